import { describe, expect, it } from 'vitest';
import { validateInboxNews, validatePrivacySettings } from './dashboard.js';

const good = { sessionHours: 12, idleMinutes: 30, messageLog: true, retentionDays: 30 };

describe('validatePrivacySettings', () => {
  it('accepts every field within its bounds, and null retention', () => {
    expect(validatePrivacySettings(good)).toEqual({ ok: true, value: good });
    const edges = {
      sessionHours: 1 / 60,
      idleMinutes: 1 / 60,
      messageLog: false,
      retentionDays: null,
    };
    expect(validatePrivacySettings(edges)).toEqual({ ok: true, value: edges });
  });

  it.each([
    [{ ...good, sessionHours: 25 }, /sessionHours/],
    [{ ...good, sessionHours: 0 }, /sessionHours/],
    [{ ...good, idleMinutes: '30' }, /idleMinutes/],
    [{ ...good, idleMinutes: Number.NaN }, /idleMinutes/],
    [{ ...good, messageLog: 'on' }, /messageLog/],
    [{ ...good, retentionDays: 0.5 }, /retentionDays/],
    [{ ...good, retentionDays: 4000 }, /retentionDays/],
    [{ ...good, retentionDays: undefined }, /retentionDays/],
    [{ ...good, __proto__: { x: 1 }, extra: 1 }, /unknown setting extra/],
    [[good], /object/],
    [null, /object/],
  ])('refuses %j', (input, message) => {
    const checked = validatePrivacySettings(input);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toMatch(message);
  });
});

describe('validateInboxNews', () => {
  const message = { id: 'm1', author: 'agent', text: 'hi', at: 1, seq: 2, name: 'Ada' };

  it('accepts the three kinds of news', () => {
    expect(validateInboxNews({ type: 'message', sessionId: 's1', message })).toEqual({
      ok: true,
      value: { type: 'message', sessionId: 's1', message },
    });
    expect(validateInboxNews({ type: 'ended', sessionId: 's1', extra: 1 })).toEqual({
      ok: true,
      value: { type: 'ended', sessionId: 's1' },
    });
  });

  it.each([
    { type: 'message', sessionId: 's1', message: { ...message, author: 'operator' } },
    { type: 'message', sessionId: 's1', message: { ...message, at: '1' } },
    { type: 'message', sessionId: 's1' },
    { type: 'session', sessionId: '../x' },
    { type: 'other', sessionId: 's1' },
    'news',
  ])('ignores %j', (input) => {
    expect(validateInboxNews(input).ok).toBe(false);
  });
});
