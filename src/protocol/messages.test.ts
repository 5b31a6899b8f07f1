import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits.js';
import { validateAgentMessage, validateChatMessage, validatePostMessage } from './validate.js';

describe('validateChatMessage', () => {
  it("keeps an operator's name and refuses a blank or long one", () => {
    const message = { id: 'm1', author: 'agent', text: 'Hello', at: 1, seq: 2, name: 'Ada' };
    expect(validateChatMessage(message)).toEqual({ ok: true, value: message });
    expect(validateChatMessage({ ...message, name: '  ' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('name'),
    });
    const long = 'x'.repeat(LIMITS.maxNameLength + 1);
    expect(validateChatMessage({ ...message, name: long }).ok).toBe(false);
  });
});

describe('validateAgentMessage', () => {
  const payload = { id: 'a1', text: 'Hi', at: 5, seq: 3 };

  it('accepts an agent message, with a name or as a system notice', () => {
    expect(validateAgentMessage(payload)).toEqual({ ok: true, value: payload });
    expect(validateAgentMessage({ ...payload, name: 'Ada', asks: 'email' })).toEqual({
      ok: true,
      value: { ...payload, name: 'Ada', asks: 'email' },
    });
    expect(validateAgentMessage({ ...payload, author: 'system' })).toEqual({
      ok: true,
      value: { ...payload, author: 'system' },
    });
  });

  it.each([
    ['not an object', 'hello'],
    ['no seq', { id: 'a1', text: 'Hi', at: 5 }],
    ['a visitor author', { ...payload, author: 'visitor' }],
    ['a bad id', { ...payload, id: 'no spaces allowed' }],
    ['a number for a name', { ...payload, name: 7 }],
    ['an unknown asks', { ...payload, asks: 'address' }],
    ['a text over the limit', { ...payload, text: 'x'.repeat(LIMITS.maxTextLength + 1) }],
  ])('refuses %s', (_, input) => {
    expect(validateAgentMessage(input).ok).toBe(false);
  });
});

describe('validatePostMessage', () => {
  it('takes text and an optional name, with the limits of a visitor message', () => {
    expect(validatePostMessage({ text: 'We open at 9.' })).toEqual({
      ok: true,
      value: { text: 'We open at 9.' },
    });
    expect(validatePostMessage({ text: 'Hi', name: 'Ada', extra: 1 })).toEqual({
      ok: true,
      value: { text: 'Hi', name: 'Ada' },
    });
  });

  it.each([
    ['no text', {}, 'text'],
    ['a blank text', { text: '   ' }, 'text'],
    ['a text too long', { text: 'x'.repeat(LIMITS.maxTextLength + 1) }, 'text'],
    ['a blank name', { text: 'Hi', name: ' ' }, 'name'],
    ['a name too long', { text: 'Hi', name: 'x'.repeat(LIMITS.maxNameLength + 1) }, 'name'],
    ['an array', [], 'object'],
  ])('refuses %s, naming the field', (_, input, field) => {
    expect(validatePostMessage(input)).toMatchObject({
      ok: false,
      message: expect.stringContaining(field),
    });
  });
});
