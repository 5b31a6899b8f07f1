// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  validateAgentMessage,
  validateFailure,
  validateSessionInitOk,
  validateTaskEnd,
  validateVisitorMessageOk,
} from './validate.js';

const agentMessage = { id: 'a1', text: 'Hello!', at: 5, seq: 2 };

describe('validateAgentMessage', () => {
  it('accepts an agent message, with or without a contact question', () => {
    expect(validateAgentMessage(agentMessage)).toEqual({ ok: true, value: agentMessage });
    expect(validateAgentMessage({ ...agentMessage, asks: 'email', extra: 1 })).toEqual({
      ok: true,
      value: { ...agentMessage, asks: 'email' },
    });
  });

  it.each([
    [null, /must be an object/],
    [{ ...agentMessage, seq: undefined }, /seq must be/],
    [{ ...agentMessage, seq: -1 }, /seq must be/],
    [{ ...agentMessage, id: '<script>' }, /id must be an id/],
    [{ ...agentMessage, text: 42 }, /text must be a string/],
    [{ ...agentMessage, text: 'x'.repeat(4001) }, /text must be at most 4000/],
    [{ ...agentMessage, at: 'now' }, /at must be/],
    [{ ...agentMessage, asks: 'password' }, /asks must be/],
  ])('refuses %j', (input, problem) => {
    const checked = validateAgentMessage(input);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toMatch(problem);
  });

  it('keeps a system notice, and refuses any other author', () => {
    expect(validateAgentMessage({ ...agentMessage, author: 'system' })).toEqual({
      ok: true,
      value: { ...agentMessage, author: 'system' },
    });
    expect(validateAgentMessage({ ...agentMessage, author: 'visitor' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/author must be system/),
    });
  });
});

describe('validateSessionInitOk', () => {
  const ack = { ok: true, sessionId: 's1', token: 't1', resumed: true, missed: [] };

  it('accepts an ack and keeps only what is valid of its missed messages, task and retention', () => {
    const good = { ...agentMessage, author: 'agent' };
    const checked = validateSessionInitOk({
      ...ack,
      missed: [good, { ...good, id: 'bad', text: 1 }, 'junk'],
      task: { id: 'x' },
      retention: { sessionTtlMs: 3_600_000, userTtlMs: 99e12 },
    });
    expect(checked).toEqual({
      ok: true,
      value: {
        ...ack,
        missed: [good],
        retention: { sessionTtlMs: 3_600_000, userTtlMs: 30 * 24 * 3_600_000 },
      },
    });
    expect(validateSessionInitOk({ ...ack, task: null })).toEqual({
      ok: true,
      value: { ...ack, task: null },
    });
  });

  it.each([
    [{ ...ack, ok: false }, /ok: true/],
    [{ ...ack, sessionId: undefined }, /sessionId must be an id/],
    [{ ...ack, token: 'a b' }, /token must be an id/],
    [{ ...ack, resumed: 'yes' }, /resumed must be a boolean/],
    [{ ...ack, missed: {} }, /missed must be an array/],
  ])('refuses %j', (input, problem) => {
    const checked = validateSessionInitOk(input);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toMatch(problem);
  });
});

describe('acks and task events', () => {
  it('checks a visitor_message ack', () => {
    expect(validateVisitorMessageOk({ ok: true, seq: 3, duplicate: false })).toEqual({
      ok: true,
      value: { ok: true, seq: 3, duplicate: false },
    });
    expect(validateVisitorMessageOk({ ok: true, seq: '3', duplicate: false }).ok).toBe(false);
    expect(validateVisitorMessageOk({ ok: true, seq: 3 }).ok).toBe(false);
  });

  it('checks a refusal, keeping a code it does not know', () => {
    const refusal = { ok: false, error: { code: 'not_bound', message: 'send session_init' } };
    expect(validateFailure(refusal)).toEqual({ ok: true, value: refusal });
    expect(validateFailure({ ok: false, error: { code: 'brand_new', message: '' } }).ok).toBe(true);
    expect(validateFailure({ ok: false, error: { code: 'Not Bound!', message: '' } }).ok).toBe(
      false,
    );
    expect(validateFailure({ ok: false }).ok).toBe(false);
    expect(validateFailure({ ok: true, error: refusal.error }).ok).toBe(false);
  });

  it('keeps the seconds a limited request should wait, and refuses a bad one', () => {
    const limited = { ok: false, error: { code: 'rate_limited', message: 'slow', retryAfter: 4 } };
    expect(validateFailure(limited)).toEqual({ ok: true, value: limited });
    for (const retryAfter of [-1, 1.5, '4', null])
      expect(validateFailure({ ok: false, error: { ...limited.error, retryAfter } }).ok).toBe(
        false,
      );
  });

  it('checks task_done and task_aborted', () => {
    expect(validateTaskEnd({ taskId: 't1' })).toEqual({ ok: true, value: { taskId: 't1' } });
    expect(validateTaskEnd({ taskId: 't1', message: 'Stopped.' })).toEqual({
      ok: true,
      value: { taskId: 't1', message: 'Stopped.' },
    });
    expect(validateTaskEnd({ taskId: 7 }).ok).toBe(false);
    expect(validateTaskEnd({ taskId: 't1', message: {} }).ok).toBe(false);
  });
});
