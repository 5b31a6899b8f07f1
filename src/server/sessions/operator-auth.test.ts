// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { parseSiteSettings } from '../site-settings.js';
import { createOperatorAuth, readCookie, sameOrigin } from './operator-auth.js';

const KEY = 'global-admin-key-012345';
const SHARED = 'shared-site-key-0123456';
const sites = (json: object) => parseSiteSettings(JSON.stringify(json), 'sites.json');

describe('operator auth', () => {
  it('a sign-in lasts its TTL, then verifies no more', async () => {
    let now = 1_000;
    const auth = createOperatorAuth({
      adminKey: KEY,
      sites: new Map(),
      now: () => now,
      sessionTtlMs: 60_000,
    });
    const grant = await auth.signIn(KEY, '10.0.0.1');
    expect(auth.verify(grant.token)).toEqual(grant);
    now += 59_999;
    expect(auth.verify(grant.token)?.scope).toBe('all');
    now += 1;
    expect(auth.verify(grant.token)).toBeUndefined();
  });

  it('changing a key ends the sign-ins made with it', async () => {
    const before = createOperatorAuth({ adminKey: KEY, sites: new Map(), now: () => 0 });
    const grant = await before.signIn(KEY, 'ip');
    const after = createOperatorAuth({ adminKey: `${KEY}-new`, sites: new Map(), now: () => 0 });
    expect(after.verify(grant.token)).toBeUndefined();
    // The same configuration on another node verifies it: no shared state.
    const twin = createOperatorAuth({ adminKey: KEY, sites: new Map(), now: () => 0 });
    expect(twin.verify(grant.token)?.csrf).toBe(grant.csrf);
  });

  it('a key two sites share opens both; once they differ, neither', async () => {
    const both = sites({
      a: { adminKey: SHARED },
      b: { adminKey: SHARED },
      c: { adminKey: `${SHARED}-c` },
    });
    const auth = createOperatorAuth({ sites: both, now: () => 0 });
    const grant = await auth.signIn(SHARED, 'ip');
    expect(grant).toMatchObject({ scope: 'sites', sites: ['a', 'b'] });
    expect(auth.describe(grant, ['a', 'b', 'c']).sites).toEqual(['a', 'b']);
    const split = sites({ a: { adminKey: SHARED }, b: { adminKey: `${SHARED}-b` } });
    expect(createOperatorAuth({ sites: split, now: () => 0 }).verify(grant.token)).toBeUndefined();
  });

  it('is off without any key, and refuses anything that is not a configured key', async () => {
    const off = createOperatorAuth({ sites: new Map(), now: () => 0 });
    expect(off.enabled).toBe(false);
    await expect(off.signIn('', 'ip')).rejects.toMatchObject({ code: 'unauthorized' });
    const on = createOperatorAuth({ adminKey: KEY, sites: new Map(), now: () => 0 });
    for (const key of [undefined, 42, { key: KEY }, `${KEY} `, KEY.slice(0, -1)]) {
      await expect(on.signIn(key, 'ip2')).rejects.toMatchObject({ code: 'unauthorized' });
    }
  });
});

describe('readCookie and sameOrigin', () => {
  it('reads one cookie among others', () => {
    expect(readCookie('a=1; leflux_dashboard=v1.x; b=2', 'leflux_dashboard')).toBe('v1.x');
    expect(readCookie('xleflux_dashboard=1', 'leflux_dashboard')).toBeUndefined();
    expect(readCookie(undefined, 'leflux_dashboard')).toBeUndefined();
  });

  it.each([
    [{ host: 'chat.example.com' }, true],
    [{ host: 'chat.example.com', origin: 'https://chat.example.com' }, true],
    [
      { host: '127.0.0.1:8787', origin: 'http://127.0.0.1:8787', 'sec-fetch-site': 'same-origin' },
      true,
    ],
    [
      {
        host: 'internal:8787',
        origin: 'https://chat.example.com',
        'x-forwarded-host': 'chat.example.com',
      },
      true,
    ],
    [{ host: 'chat.example.com', origin: 'https://evil.example.com' }, false],
    [
      {
        host: 'chat.example.com',
        origin: 'https://chat.example.com',
        'sec-fetch-site': 'same-site',
      },
      false,
    ],
    [{ host: 'chat.example.com', origin: 'null' }, false],
    [{ host: 'chat.example.com', 'sec-fetch-site': 'cross-site' }, false],
  ])('%j -> %s', (headers, expected) => {
    expect(sameOrigin(headers)).toBe(expected);
  });
});
