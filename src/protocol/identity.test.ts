import { describe, expect, it } from 'vitest';
import { IDENTITY_HINT, MAX_USER_ID_LENGTH, validateIdentityClaim } from './identity.js';
import { validateSessionInit } from './validate.js';

const HASH = 'a'.repeat(64);

describe('validateIdentityClaim', () => {
  it('keeps the user id and the hash as given (the server compares the hash in lower case)', () => {
    expect(validateIdentityClaim({ userId: ' u-42 ', userHash: 'AB'.repeat(32) })).toEqual({
      ok: true,
      value: { userId: ' u-42 ', userHash: 'AB'.repeat(32) },
    });
  });

  it('takes a user id alone (an unverified claim) and ignores unknown keys', () => {
    expect(validateIdentityClaim({ userId: 'u-42', name: 'Ada' })).toEqual({
      ok: true,
      value: { userId: 'u-42' },
    });
  });

  it.each([
    ['nothing', undefined, 'userId'],
    ['null', null, 'userId'],
    ['a string', 'u-42', 'userId'],
    ['an empty user id', { userId: '' }, 'userId'],
    ['a numeric user id', { userId: 42 }, 'userId'],
    ['a too long user id', { userId: 'x'.repeat(MAX_USER_ID_LENGTH + 1) }, 'userId'],
    ['a short hash', { userId: 'u', userHash: 'ab' }, 'userHash'],
    ['a non-hex hash', { userId: 'u', userHash: 'z'.repeat(64) }, 'userHash'],
    ['a base64 hash', { userId: 'u', userHash: `${'A'.repeat(43)}=` }, 'userHash'],
    ['a numeric hash', { userId: 'u', userHash: 12 }, 'userHash'],
  ])('refuses %s, saying what %s should be', (_, input, field) => {
    const checked = validateIdentityClaim(input);
    expect(checked).toEqual({ ok: false, message: IDENTITY_HINT });
    expect(IDENTITY_HINT).toContain(field);
  });
});

describe('session_init identity', () => {
  const init = { siteKey: 'acme', url: '/', title: 'Home' };

  it('carries a valid claim through', () => {
    expect(validateSessionInit({ ...init, identity: { userId: 'u-42', userHash: HASH } })).toEqual({
      ok: true,
      value: { ...init, identity: { userId: 'u-42', userHash: HASH } },
    });
  });

  it('refuses a malformed claim with a message naming it', () => {
    expect(validateSessionInit({ ...init, identity: { userId: 'u', userHash: 'nope' } })).toEqual({
      ok: false,
      message: `identity: ${IDENTITY_HINT}`,
    });
    expect(validateSessionInit({ ...init, identity: ['u'] })).toMatchObject({ ok: false });
  });
});
