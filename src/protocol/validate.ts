import { CONTACT_FIELDS, type ContactField, validateContact } from './contact.js';
import type { ErrorCode } from './errors.js';
import type {
  ActionResultPayload,
  AgentMessagePayload,
  Failure,
  SessionInitOk,
  SessionInitPayload,
  VisitorMessageOk,
  VisitorMessagePayload,
} from './events.js';
import { validateIdentityClaim } from './identity.js';
import { ID_PATTERN, KEY_PATTERN, LIMITS, SITE_KEY_PATTERN } from './limits.js';
import {
  type Author,
  type ChatMessage,
  CLIENT_RETENTION_DEFAULTS,
  type ClientRetention,
  type PostMessageRequest,
  type RestoreRequest,
  type TaskInfo,
} from './messages.js';
import {
  type ActionPayload,
  PAGE_STEP_TYPES,
  type PageStep,
  type TaskAbortedPayload,
  type TaskDonePayload,
  type TaskStep,
} from './tasks.js';

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
    /** A string matching `pattern` (described by `what` in the problem). */
    match(key: string, pattern: RegExp, what: string, optional = false): string | undefined {
      const v = input[key];
      if (v === undefined && optional) return undefined;
      return typeof v === 'string' && pattern.test(v) ? v : bad(key, what);
    },
    oneOf<T extends string>(key: string, choices: readonly T[], optional = false): T | undefined {
      const v = input[key];
      if (v === undefined && optional) return undefined;
      return choices.includes(v as T) ? (v as T) : bad(key, `one of ${choices.join(', ')}`);
    },
  };
}

/** Drops keys whose value is undefined, so validated objects carry only what was sent. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A path on the current site (`/pricing.html`, not `//host`) or an http(s) URL. */
const STEP_URL = /^(\/(?!\/)|https?:\/\/)\S*$/i;
const STEP_URL_WHAT = 'a path starting with / or an http(s) URL, without spaces';

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
  if (input.contact !== undefined) {
    if (!isObject(input.contact)) return fail('contact must be an object');
    const contact = validateContact(input.contact);
    if (!contact.ok) {
      const [field, problem] = Object.entries(contact.errors)[0] ?? ['contact', 'is invalid'];
      return fail(`contact.${field} ${problem}`);
    }
    value.contact = contact.value;
  }
  if (input.identity !== undefined) {
    const identity = validateIdentityClaim(input.identity);
    if (!identity.ok) return fail(`identity: ${identity.message}`);
    value.identity = identity.value;
  }
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

/** `asks` and `name`, the optional fields of a message, onto `value`; or why they are invalid. */
function messageExtras<T extends ChatMessage | AgentMessagePayload>(
  input: Obj,
  value: T,
): Validated<T> {
  if (input.asks !== undefined) {
    if (!CONTACT_FIELDS.includes(input.asks as ContactField))
      return fail('asks must be name, email or phone');
    value.asks = input.asks as ContactField;
  }
  if (input.name !== undefined) {
    const r = reader(input);
    const name = r.text('name', LIMITS.maxNameLength, false, false);
    if (r.problem) return fail(r.problem);
    value.name = name;
  }
  return { ok: true, value };
}

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
  // No compact(): this runs on every cached message of a reload; an absent seq is undefined.
  return messageExtras(input, value as ChatMessage);
}

/**
 * Validates an `agent_message` as the widget receives it.
 *
 * @example
 * socket.on('agent_message', (raw) => {
 *   const checked = validateAgentMessage(raw);
 *   if (checked.ok) show(checked.value);
 * });
 */
export function validateAgentMessage(input: unknown): Validated<AgentMessagePayload> {
  if (!isObject(input)) return fail('agent_message payload must be an object');
  const r = reader(input);
  const value = {
    id: r.id('id'),
    text: r.text('text', LIMITS.maxTextLength),
    at: r.int('at'),
    seq: r.int('seq'),
  } as AgentMessagePayload;
  if (input.author !== undefined && input.author !== 'system') {
    return fail('author must be system when present');
  }
  if (r.problem) return fail(r.problem);
  if (input.author === 'system') value.author = 'system';
  return messageExtras(input, value);
}

/**
 * Validates a message an operator or agent code posts (`POST /api/session/:id/messages`,
 * `LeFluxServer.post`): the same text limits as a visitor's, and an optional author name.
 */
export function validatePostMessage(input: unknown): Validated<PostMessageRequest> {
  if (!isObject(input)) return fail('body must be a JSON object');
  const r = reader(input);
  const value = {
    text: r.text('text', LIMITS.maxTextLength, false, false),
    name: r.text('name', LIMITS.maxNameLength, true, false),
  };
  if (r.problem) return fail(r.problem);
  return { ok: true, value: compact(value) as PostMessageRequest };
}

const STEP_TYPES: readonly TaskStep['type'][] = [...PAGE_STEP_TYPES, 'say', 'ask'];

type Reader = ReturnType<typeof reader>;

/**
 * The fields of a page step of `type` (the steps the widget runs), read with `r`; a string says
 * why they do not make one. On its own so that the widget, which validates page steps only,
 * does not carry the server's `say` and `ask`.
 */
function pageStepFields(type: unknown, r: Reader): Partial<Record<string, unknown>> | string {
  const selector = () => r.text('selector', LIMITS.maxSelectorLength, false, false);
  const url = (key: string, optional = false) =>
    r.text(key, LIMITS.maxUrlLength, optional) === undefined
      ? undefined
      : r.match(key, STEP_URL, STEP_URL_WHAT, optional);
  switch (type) {
    case 'navigate':
      return { type, url: url('url'), expectUrl: url('expectUrl', true) };
    case 'highlight':
    case 'scroll':
      return { type, selector: selector() };
    case 'click':
      return { type, selector: selector(), expectUrl: url('expectUrl', true) };
    case 'fill': {
      const step = {
        type,
        selector: selector(),
        value: r.text('value', LIMITS.maxTextLength, true),
        field: r.oneOf<ContactField>('field', CONTACT_FIELDS, true),
      };
      return !r.problem && step.value === undefined && step.field === undefined
        ? 'a fill step needs a value or a field'
        : step;
    }
    default:
      return {};
  }
}

/** A step from its fields, or why not. Unknown keys are dropped. */
function stepOf<T>(fields: Partial<Record<string, unknown>> | string, r: Reader): Validated<T> {
  const label = r.text('label', LIMITS.maxLabelLength, true);
  if (typeof fields === 'string') return fail(fields);
  if (r.problem) return fail(r.problem);
  return { ok: true, value: compact({ ...fields, label }) as unknown as T };
}

const KEY_WHAT = 'a key (1-64 chars of A-Z a-z 0-9 _ . : -)';

/**
 * Validates one task step (what an agent plans, or what the widget receives inside an
 * `action`). Unknown keys are dropped.
 *
 * @example
 * const checked = validateTaskStep({ type: 'highlight', selector: '#plan-pro' });
 * if (checked.ok) steps.push(checked.value);
 */
export function validateTaskStep(input: unknown): Validated<TaskStep> {
  if (!isObject(input)) return fail('step must be an object');
  const r = reader(input);
  const type = r.oneOf('type', STEP_TYPES);
  let fields: Partial<Record<string, unknown>> | string;
  if (type === 'say') {
    fields = { type, text: r.text('text', LIMITS.maxTextLength, false, false) };
  } else if (type === 'ask') {
    fields = {
      type,
      question: r.text('question', LIMITS.maxTextLength, false, false),
      scope: r.match('scope', KEY_PATTERN, KEY_WHAT),
      field: r.oneOf<ContactField>('field', CONTACT_FIELDS, true),
      key: r.match('key', KEY_PATTERN, KEY_WHAT, true),
    };
    if (!r.problem && fields.field !== undefined && fields.key !== undefined)
      fields = 'an ask step stores its answer in a field or a key, not both';
  } else {
    fields = pageStepFields(type, r);
  }
  return stepOf(fields, r);
}

/**
 * Validates an `action` the widget received: a page step plus `taskId`, `step` and `label`.
 *
 * @example
 * socket.on('action', (raw) => {
 *   const checked = validateActionPayload(raw);
 *   if (!checked.ok) return; // nothing to execute, nothing to answer
 * });
 */
export function validateActionPayload(input: unknown): Validated<ActionPayload> {
  if (!isObject(input)) return fail('action payload must be an object');
  if (!PAGE_STEP_TYPES.includes(input.type as PageStep['type'])) {
    return fail(`type must be one of ${PAGE_STEP_TYPES.join(', ')}`);
  }
  const r = reader(input);
  const head = {
    taskId: r.id('taskId'),
    step: r.int('step'),
    label: r.text('label', LIMITS.maxLabelLength),
  };
  if (r.problem) return fail(r.problem);
  const step = stepOf<PageStep>(pageStepFields(input.type, r), r);
  if (!step.ok) return step;
  return { ok: true, value: { ...step.value, ...head } as ActionPayload };
}

const TASK_STATUSES: readonly TaskInfo['status'][] = ['running', 'held', 'waiting'];

/** Validates a task as restore or `session_init` reports it. */
export function validateTaskInfo(input: unknown): Validated<TaskInfo> {
  if (!isObject(input)) return fail('task must be an object');
  const r = reader(input);
  const value = {
    id: r.id('id'),
    step: r.int('step'),
    status: r.oneOf('status', TASK_STATUSES),
    label: r.text('label', LIMITS.maxLabelLength),
    stepLabel: r.text('stepLabel', LIMITS.maxLabelLength),
    steps: r.int('steps'),
  };
  if (r.problem) return fail(r.problem);
  return { ok: true, value: value as TaskInfo };
}

const MINUTE = 60_000;

/**
 * Narrows a site's retention as the server sends it. A site may only shorten the browser's
 * defaults, so values are clamped to them; anything under a minute is refused.
 */
export function validateRetention(
  input: unknown,
  defaults: ClientRetention,
): Validated<ClientRetention> {
  if (!isObject(input)) return fail('retention must be an object');
  const r = reader(input);
  const sessionTtlMs = r.int('sessionTtlMs');
  const userTtlMs = r.int('userTtlMs');
  if (r.problem) return fail(r.problem);
  if ((sessionTtlMs ?? 0) < MINUTE || (userTtlMs ?? 0) < MINUTE)
    return fail('retention is at least a minute');
  return {
    ok: true,
    value: {
      sessionTtlMs: Math.min(sessionTtlMs!, defaults.sessionTtlMs),
      userTtlMs: Math.min(userTtlMs!, defaults.userTtlMs),
    },
  };
}

/*
 * Server -> client: what the widget receives is checked like what the server receives. A
 * browser that trusts the wire renders and stores whatever a broken proxy, an older or newer
 * server, or a bug sends.
 */

/**
 * Validates a `session_init` ack. Each message of `missed` is checked on its own and a bad one is
 * left out (the caller counts them): one broken message must not keep a visitor out of their
 * session. A task or retention that does not validate is left out the same way.
 */
export function validateSessionInitOk(input: unknown): Validated<SessionInitOk> {
  if (!isObject(input) || input.ok !== true) return fail('session_init ack must be { ok: true }');
  const r = reader(input);
  const value: SessionInitOk = {
    ok: true,
    sessionId: r.id('sessionId') ?? '',
    token: r.id('token') ?? '',
    resumed: r.bool('resumed') ?? false,
    missed: [],
  };
  if (r.problem) return fail(r.problem);
  if (!Array.isArray(input.missed)) return fail('missed must be an array');
  for (const item of input.missed) {
    const message = validateChatMessage(item);
    if (message.ok) value.missed.push(message.value);
  }
  if (input.task === null) value.task = null;
  else if (input.task !== undefined) {
    const task = validateTaskInfo(input.task);
    if (task.ok) value.task = task.value;
  }
  if (input.retention !== undefined) {
    const retention = validateRetention(input.retention, CLIENT_RETENTION_DEFAULTS);
    if (retention.ok) value.retention = retention.value;
  }
  return { ok: true, value };
}

/** Validates a `visitor_message` ack. */
export function validateVisitorMessageOk(input: unknown): Validated<VisitorMessageOk> {
  if (!isObject(input) || input.ok !== true)
    return fail('visitor_message ack must be { ok: true }');
  const r = reader(input);
  const value = { ok: true, seq: r.int('seq'), duplicate: r.bool('duplicate') };
  if (r.problem) return fail(r.problem);
  return { ok: true, value: value as VisitorMessageOk };
}

/** Validates a refusal in an ack: `{ ok: false, error: { code, message } }`. */
export function validateFailure(input: unknown): Validated<Failure> {
  if (!isObject(input) || input.ok !== false || !isObject(input.error))
    return fail('a refusal must be { ok: false, error: { code, message } }');
  const r = reader(input.error);
  const code = r.match('code', /^[a-z_]{1,64}$/, 'an error code');
  const message = r.text('message', LIMITS.maxTextLength);
  const retryAfter = r.int('retryAfter', true);
  if (r.problem) return fail(`error.${r.problem}`);
  // A code this client does not know is still a refusal: callers act on the codes they know.
  const error = compact({ code: code as ErrorCode, message: message!, retryAfter });
  return { ok: true, value: { ok: false, error } };
}

/**
 * Validates `task_aborted` or `task_done`. The client acts on `taskId` alone: an aborted task's
 * message also comes as an agent message.
 */
export function validateTaskEnd(input: unknown): Validated<TaskAbortedPayload | TaskDonePayload> {
  if (!isObject(input)) return fail('task payload must be an object');
  const r = reader(input);
  const value = { taskId: r.id('taskId'), message: r.text('message', LIMITS.maxTextLength, true) };
  if (r.problem) return fail(r.problem);
  return { ok: true, value: compact(value) as TaskAbortedPayload | TaskDonePayload };
}
