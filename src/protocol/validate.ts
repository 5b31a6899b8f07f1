import type { ActionResultPayload, SessionInitPayload, VisitorMessagePayload } from './events.js';
import { ID_PATTERN, LIMITS, SITE_KEY_PATTERN } from './limits.js';
import type { Author, ChatMessage, RestoreRequest } from './messages.js';

/** Result of validating untrusted input: the typed value, or why it was refused. */
export type Validated<T> = { ok: true; value: T } | { ok: false; message: string };

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** A field reader that collects the first problem; keeps each validator a flat list of fields. */
function reader(input: Obj) {
  let problem: string | undefined;
  const bad = (key: string, what: string) => {
    problem ??= `${key} must be ${what}`;
    return undefined;
  };
  return {
    get problem() {
      return problem;
    },
    id(key: string, optional = false): string | undefined {
      const v = input[key];
      if (v === undefined && optional) return undefined;
      return typeof v === 'string' && ID_PATTERN.test(v)
        ? v
        : bad(key, 'an id (1-64 chars of A-Z a-z 0-9 _ -)');
    },
    text(key: string, max: number, optional = false, allowEmpty = true): string | undefined {
      const v = input[key];
      if (v === undefined && optional) return undefined;
      if (typeof v !== 'string') return bad(key, 'a string');
      if (!allowEmpty && v.trim() === '') return bad(key, 'a non-empty string');
      return v.length <= max ? v : bad(key, `at most ${max} characters`);
    },
    int(key: string, optional = false): number | undefined {
      const v = input[key];
      if (v === undefined && optional) return undefined;
      return Number.isSafeInteger(v) && (v as number) >= 0
        ? (v as number)
        : bad(key, 'a non-negative integer');
    },
    bool(key: string): boolean | undefined {
      const v = input[key];
      return typeof v === 'boolean' ? v : bad(key, 'a boolean');
    },
  };
}

export function isSiteKey(v: unknown): v is string {
  return typeof v === 'string' && SITE_KEY_PATTERN.test(v);
}

export function validateSessionInit(input: unknown): Validated<SessionInitPayload> {
  if (!isObject(input)) return fail('session_init payload must be an object');
  if (!isSiteKey(input.siteKey))
    return fail('siteKey must be a lower-case slug of at most 64 chars');
  const r = reader(input);
  const value: SessionInitPayload = {
    siteKey: input.siteKey,
    sessionId: r.id('sessionId', true),
    token: r.id('token', true),
    visitorId: r.id('visitorId', true),
    url: r.text('url', LIMITS.maxUrlLength) ?? '',
    title: r.text('title', LIMITS.maxTitleLength) ?? '',
    lastSeq: r.int('lastSeq', true),
  };
  if (r.problem) return fail(r.problem);
  if (value.sessionId && !value.token) return fail('token is required with sessionId');
  return { ok: true, value };
}

export function validateVisitorMessage(input: unknown): Validated<VisitorMessagePayload> {
  if (!isObject(input)) return fail('visitor_message payload must be an object');
  const r = reader(input);
  const value = {
    id: r.id('id'),
    text: r.text('text', LIMITS.maxTextLength, false, false),
    url: r.text('url', LIMITS.maxUrlLength) ?? '',
    sentAt: r.int('sentAt'),
  };
  if (r.problem) return fail(r.problem);
  return { ok: true, value: value as VisitorMessagePayload };
}

export function validateActionResult(input: unknown): Validated<ActionResultPayload> {
  if (!isObject(input)) return fail('action_result payload must be an object');
  const r = reader(input);
  const value = {
    taskId: r.id('taskId'),
    step: r.int('step'),
    ok: r.bool('ok'),
    detail: r.text('detail', LIMITS.maxTextLength, true),
  };
  if (r.problem) return fail(r.problem);
  return { ok: true, value: value as ActionResultPayload };
}

export function validateRestoreRequest(input: unknown): Validated<RestoreRequest> {
  if (!isObject(input)) return fail('body must be a JSON object');
  const r = reader(input);
  const value = { token: r.id('token'), url: r.text('url', LIMITS.maxUrlLength, true) };
  if (r.problem) return fail(r.problem);
  return { ok: true, value: value as RestoreRequest };
}

const AUTHORS: readonly Author[] = ['visitor', 'agent', 'system'];

/** Validates a message read back from storage or received from the server. */
export function validateChatMessage(input: unknown): Validated<ChatMessage> {
  if (!isObject(input)) return fail('message must be an object');
  if (!AUTHORS.includes(input.author as Author))
    return fail('author must be visitor, agent or system');
  const r = reader(input);
  const value = {
    id: r.id('id'),
    author: input.author as Author,
    text: r.text('text', LIMITS.maxTextLength),
    at: r.int('at'),
    seq: r.int('seq', true),
  };
  if (r.problem) return fail(r.problem);
  return { ok: true, value: value as ChatMessage };
}
