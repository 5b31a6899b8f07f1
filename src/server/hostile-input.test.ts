// @vitest-environment node
/**
 * Fuzz: 5,000 malformed socket events and HTTP bodies (random JSON shapes, huge strings, wrong
 * types, `__proto__` / `constructor` / `prototype` keys) against one server, while another
 * visitor chats on it. The server stays up, answers each with an error code (never `internal`,
 * never a 500), and the visitor's answers keep coming; their p99 is printed (a figure, not an
 * assertion: speed is measured, never asserted in a functional test).
 */

import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../protocol/index.js';
import { NO_RATE_LIMITS } from './limits/rate-limiter.js';
import { silentLogger } from './logger.js';
import { initSession, openTestSocket, type TestSocket } from './realtime/test-socket.js';
import { type LeFluxServer, startServer } from './server.js';
import { type SeededRandom, seededRandom } from './testing/seeded-random.js';

const EVENTS = 5_000;
const SEED = Number(process.env.LEFLUX_FUZZ_SEED ?? 20_251_202);

type Rng = SeededRandom;

/** Keys the protocol uses, and keys that attack objects built from JSON. */
const KEYS = [
  'id',
  'text',
  'url',
  'sentAt',
  'siteKey',
  'sessionId',
  'token',
  'title',
  'taskId',
  'stepIndex',
  'ok',
  'error',
  'name',
  'visitorId',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '',
];

/** Any JSON value: wrong types, huge strings (up to `hugeBytes`), deep shapes, hostile keys. */
function value(rng: Rng, depth: number, hugeBytes: number): unknown {
  switch (rng.int(depth > 3 ? 7 : 10)) {
    case 0:
      return null;
    case 1:
      return rng.next() < 0.5;
    case 2:
      return rng.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, 3.5, Number.MAX_SAFE_INTEGER]);
    case 3:
      return rng.pick(['', ' ', 'a', '\u0000', '\ud800', '<script>', '../../etc/passwd', '{"x":']);
    case 4:
      return 'x'.repeat(1 + rng.int(hugeBytes));
    case 5:
      return rng.pick(['session_init', 'acme', 'https://acme.test/', 'a'.repeat(21)]);
    case 6:
      return [];
    case 7:
      return Array.from({ length: rng.int(5) }, () => value(rng, depth + 1, hugeBytes));
    default:
      return object(rng, depth + 1, hugeBytes);
  }
}

function object(rng: Rng, depth: number, hugeBytes: number): Record<string, unknown> {
  // Built from JSON, as a parser would: `__proto__` is an own key, not the prototype.
  const entries = Array.from({ length: rng.int(6) }, () => [
    rng.pick(KEYS),
    value(rng, depth, hugeBytes),
  ]);
  return JSON.parse(JSON.stringify(Object.fromEntries(entries)));
}

/**
 * A payload as a client could send it: any value, or an object of protocol-ish keys; at most
 * `maxBytes` of JSON (socket.io closes a socket whose packet is over 1 MB, by design).
 */
function payload(rng: Rng, hugeBytes: number, maxBytes: number): unknown {
  for (;;) {
    const made = rng.next() < 0.6 ? object(rng, 0, hugeBytes) : value(rng, 0, hugeBytes);
    if ((JSON.stringify(made) ?? '').length <= maxBytes) return made;
  }
}

let server: (LeFluxServer & { url: string }) | undefined;
const sockets: TestSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await server?.close();
  server = undefined;
});

/** The p-th percentile of `values` (0-100). */
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

describe('hostile input', () => {
  it(`${EVENTS} malformed socket events and HTTP bodies: each answered with an error code, the server up, another visitor answered throughout`, async () => {
    server = await startServer({
      dbPath: ':memory:',
      logger: silentLogger,
      limits: NO_RATE_LIMITS,
      apiKey: 'k'.repeat(32),
      agent: { reply: async ({ message }) => ({ text: `echo ${message.text}` }) },
    });
    const url = server.url;
    const rng = seededRandom(SEED);
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

    // The other visitor: a message every 50 ms, timed until the agent's answer arrives.
    const visitor = await openTestSocket(url, sockets);
    const bound = await initSession(visitor);
    if (!bound.ok) throw new Error(bound.error.code);
    const answered = new Map<string, () => void>();
    visitor.on('agent_message', (message) => answered.get(message.text)?.());
    const answerMs: number[] = [];
    let chatting = true;
    const chat = (async () => {
      for (let n = 0; chatting; n++) {
        const text = `live ${n}`;
        const start = performance.now();
        const answer = new Promise<void>((done) => answered.set(`echo ${text}`, done));
        await visitor
          .timeout(5_000)
          .emitWithAck('visitor_message', { id: `live${n}`, text, url: '', sentAt: Date.now() });
        await answer;
        answerMs.push(performance.now() - start);
        await new Promise((done) => setTimeout(done, 50));
      }
    })();

    const codes = new Map<string, number>();
    const count = (code: string) => codes.set(code, (codes.get(code) ?? 0) + 1);

    // Socket events: half on sockets bound to a session (so a message reaches its validation).
    const fuzzers: TestSocket[] = [];
    const closed: string[] = [];
    for (let i = 0; i < 8; i++) {
      const socket = await openTestSocket(url, sockets);
      socket.on('disconnect', (reason) => closed.push(reason));
      if (i % 2 === 0) await initSession(socket);
      fuzzers.push(socket);
    }
    const socketEvents = EVENTS / 2;
    const eventNames = ['session_init', 'visitor_message', 'action_result', 'hello', '__proto__'];
    for (let i = 0; i < socketEvents; i += fuzzers.length) {
      await Promise.all(
        fuzzers.map(async (socket) => {
          const event = rng.pick(eventNames);
          // Under socket.io's 1 MB packet cap: a bigger packet closes the socket, by design.
          const answer = (await (
            socket.timeout(5_000).emitWithAck as (e: string, p: unknown) => Promise<unknown>
          )(event, payload(rng, 200_000, 900_000))) as Partial<ErrorBody> & { ok?: boolean };
          expect(closed).toEqual([]);
          expect(answer.ok, `${event} was accepted`).toBe(false);
          count(String(answer.error?.code));
        }),
      );
    }

    // HTTP bodies: the session routes and the operator's message route (typing takes no body),
    // bodies of any shape and size.
    const target = [
      { method: 'POST', path: `/api/session/${bound.sessionId}` },
      { method: 'POST', path: '/api/session/nope' },
      { method: 'DELETE', path: `/api/session/${bound.sessionId}` },
      { method: 'POST', path: `/api/session/${bound.sessionId}/messages`, operator: true },
      { method: 'DELETE', path: '/api/session/nope' },
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < EVENTS - socketEvents; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const { method, path, operator } = rng.pick(target);
          const raw = payload(rng, 40_000, 100_000);
          const body =
            rng.next() < 0.15 ? JSON.stringify(raw).slice(0, 1 + rng.int(30)) : JSON.stringify(raw);
          const response = await fetch(`${url}${path}`, {
            method,
            headers: {
              'content-type': 'application/json',
              ...(operator ? { authorization: `Bearer ${'k'.repeat(32)}` } : {}),
            },
            body,
          });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const text = await response.text();
          // A random operator message may still be a good one (a string text): 201.
          if (response.status === 201) return;
          expect(response.status, text).toBeGreaterThanOrEqual(400);
          expect(response.status, text).toBeLessThan(500);
          count(String((JSON.parse(text) as Partial<ErrorBody>).error?.code));
        }),
      );
    }

    chatting = false;
    await chat;
    const health = await fetch(`${url}/healthz`);
    console.log(
      `fuzz (seed ${SEED}): ${socketEvents} socket events, ${EVENTS - socketEvents} HTTP bodies; codes ${JSON.stringify(Object.fromEntries(codes))}; HTTP ${JSON.stringify(Object.fromEntries(statuses))}; the other visitor: ${answerMs.length} answers, p50 ${percentile(answerMs, 50).toFixed(1)} ms, p99 ${percentile(answerMs, 99).toFixed(1)} ms, max ${Math.max(...answerMs).toFixed(1)} ms`,
    );
    expect(health.status).toBe(200);
    expect(codes.has('internal')).toBe(false);
    expect(codes.has('undefined')).toBe(false);
    expect(answerMs.length).toBeGreaterThan(10);
    // And nothing reached the prototype of plain objects (the server runs in this process).
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  }, 300_000);
});
