// @vitest-environment node

import * as crypto from 'node:crypto';
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkIdentity, userHash } from './identity.js';

vi.mock('node:crypto', async (original) => {
  const actual = await original<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const SECRET = 'acme-identity-secret-0123';
/** What the README tells a site's backend to compute. */
const backendHash = (userId: string) => createHmac('sha256', SECRET).update(userId).digest('hex');

afterEach(() => vi.mocked(crypto.timingSafeEqual).mockClear());

describe('checkIdentity', () => {
  it('verifies the right hash, also upper-cased, and compares it in constant time', () => {
    expect(userHash('u-42', SECRET)).toBe(backendHash('u-42'));
    expect(checkIdentity({ userId: 'u-42', userHash: backendHash('u-42') }, SECRET)).toEqual({
      userId: 'u-42',
      verified: true,
    });
    expect(
      checkIdentity({ userId: 'u-42', userHash: backendHash('u-42').toUpperCase() }, SECRET),
    ).toEqual({ userId: 'u-42', verified: true });
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(2);
  });

  it('refuses a wrong hash: another user id, another secret, one changed digit', () => {
    const hash = backendHash('u-42');
    expect(checkIdentity({ userId: 'u-43', userHash: hash }, SECRET)).toBe('invalid');
    expect(checkIdentity({ userId: 'u-42', userHash: hash }, `${SECRET}!`)).toBe('invalid');
    const flipped = `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`;
    expect(checkIdentity({ userId: 'u-42', userHash: flipped }, SECRET)).toBe('invalid');
    // A user id differing only in spaces is another user: nothing is trimmed.
    expect(checkIdentity({ userId: ' u-42', userHash: hash }, SECRET)).toBe('invalid');
  });

  it('refuses a hash of another length without throwing (timingSafeEqual needs equal lengths)', () => {
    for (const presented of ['', 'ab', `${backendHash('u-42')}00`]) {
      expect(checkIdentity({ userId: 'u-42', userHash: presented }, SECRET)).toBe('invalid');
    }
    // The length is not secret (always 64): unequal lengths are refused before the compare.
    expect(crypto.timingSafeEqual).not.toHaveBeenCalled();
  });

  it('keeps a claim without a hash as unverified', () => {
    expect(checkIdentity({ userId: 'u-42' }, SECRET)).toEqual({ userId: 'u-42', verified: false });
  });

  it('keeps every claim as unverified on a site without a secret, whatever its hash', () => {
    expect(checkIdentity({ userId: 'u-42', userHash: backendHash('u-42') }, undefined)).toEqual({
      userId: 'u-42',
      verified: false,
    });
    expect(checkIdentity({ userId: 'u-42', userHash: 'ab' }, undefined)).toEqual({
      userId: 'u-42',
      verified: false,
    });
  });
});
