// @vitest-environment node
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../protocol/index.js';
import type { MessageLog } from '../log/message-log.js';
import { openSqliteMessageLog } from '../log/sqlite-log.js';
import { silentLogger } from '../logger.js';
import { type LeFluxServer, startServer } from '../server.js';
import { createMemorySessionStore } from '../stores/memory-store.js';
import type { SessionRecord, SessionStore } from '../stores/session-store.js';

const ADMIN_KEY = 'admin-key-0123456789';
const API_KEY = 'api-key-0123456789abcdef';
const TTL = 60_000;
let dir: string;
let clock: number;
let store: SessionStore;
let log: MessageLog;
let server: LeFluxServer & { url: string };
let session: SessionRecord;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'leflux-http-'));
  mkdirSync(join(dir, 'demo', 'app'), { recursive: true });
  writeFileSync(join(dir, 'demo', 'index.html'), '<h1>home</h1>');
  writeFileSync(join(dir, 'demo', 'pricing.html'), '<h1>pricing</h1>');
  writeFileSync(join(dir, 'demo', 'style.css'), 'body{}');
  writeFileSync(join(dir, 'demo', '.env'), 'SECRET=1');
  writeFileSync(join(dir, 'demo', 'app', 'index.html'), '<h1>spa</h1>');
  writeFileSync(join(dir, 'demo', 'app', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside the demo root');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  clock = 1_000_000;
  const now = () => clock;
  store = createMemorySessionStore({ idleTtlMs: TTL, now });
  log = openSqliteMessageLog(':memory:');
  server = await startServer({
    adminKey: ADMIN_KEY,
    apiKey: API_KEY,
    demo: true,
    crawl: false,
    demoDir: join(dir, 'demo'),
    widgetFile: join(dir, 'widget.js'),
    store,
    log,
    now,
    logger: silentLogger,
  });
  session = await store.sessions.create('acme');
  await store.history.append(session.id, { id: 'm1', author: 'visitor', text: 'hello', at: clock });
  await log.append({
    sessionId: session.id,
    siteKey: 'acme',
    messageId: 'm1',
    author: 'visitor',
    text: 'hello',
    at: clock,
    seq: 1,
  });
});

afterEach(async () => {
  await server.close();
  rmSync(join(dir, 'widget.js'), { force: true });
  rmSync(join(dir, 'widget.js.map'), { force: true });
});

const restore = (id: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/api/session/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

const purge = (id: string, headers: Record<string, string> = {}, body?: string) =>
  fetch(`${server.url}/api/session/${id}`, { method: 'DELETE', headers, body });

/** A request with the path sent exactly as written (fetch would normalise `..`). */
/** A GET with exactly the headers given (fetch would add Accept-Encoding and decode). */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; bytes: Buffer; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        done({ status: res.statusCode ?? 0, headers: res.headers, bytes, body: bytes.toString() });
      });
    });
    req.on('error', fail);
    req.end();
  });
}

describe('GET /healthz', () => {
  it('answers 200 when store and log answer', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers 503 when the log does not', async () => {
    await log.close();
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'unavailable' } });
  });
});

describe('POST /api/session/:id', () => {
  it('returns the session and its history without counting as activity', async () => {
    clock += 5000;
    const res = await restore(session.id, JSON.stringify({ token: session.token, url: 'x' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      session: {
        id: session.id,
        siteKey: 'acme',
        createdAt: 1_000_000,
        lastActiveAt: 1_000_000,
      },
      history: [{ id: 'm1', author: 'visitor', text: 'hello', at: 1_000_000, seq: 1 }],
      task: null,
    });
    expect((await store.sessions.get(session.id))?.lastActiveAt).toBe(1_000_000);
  });

  it('accepts text/plain bodies (sendBeacon)', async () => {
    const body = JSON.stringify({ token: session.token });
    const res = await restore(session.id, body, { 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
  });

  it('401 on a wrong token', async () => {
    const res = await restore(session.id, JSON.stringify({ token: 'x'.repeat(32) }));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('404 for an unknown or idle-evicted session', async () => {
    const unknown = await restore('nope', JSON.stringify({ token: session.token }));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'session_not_found' } });
    clock += TTL;
    const evicted = await restore(session.id, JSON.stringify({ token: session.token }));
    expect(evicted.status).toBe(404);
  });

  it('400 on invalid JSON and on an invalid body', async () => {
    const broken = await restore(session.id, '{"token":');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const invalid = await restore(session.id, JSON.stringify({ url: 'x' }));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: { code: 'invalid_payload', message: expect.stringContaining('token') },
    });
  });

  it('413 over the body limit', async () => {
    const body = JSON.stringify({ token: session.token, url: 'x'.repeat(LIMITS.maxBodyBytes) });
    const res = await restore(session.id, body);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'body_too_large' } });
  });
});

describe('POST /api/session/:id/messages (operators, late answers)', () => {
  /** `key: null` sends no Authorization header. */
  const post = (id: string, body: string, key: string | null = API_KEY, url = server.url) =>
    fetch(`${url}/api/session/${id}/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      },
      body,
    });

  it('201 with the message, stored and logged, with the name when given', async () => {
    const res = await post(session.id, JSON.stringify({ text: 'Hello, I am Ada.', name: 'Ada' }));
    expect(res.status).toBe(201);
    const { message } = await res.json();
    expect(message).toEqual({
      id: expect.any(String),
      author: 'agent',
      text: 'Hello, I am Ada.',
      name: 'Ada',
      at: clock,
      seq: 2,
    });
    expect((await store.history.after(session.id, 1))[0]).toEqual(message);
    expect((await log.listSession(session.id)).at(-1)).toMatchObject({
      messageId: message.id,
      author: 'agent',
      text: 'Hello, I am Ada.',
      seq: 2,
    });
    const anonymous = await post(session.id, JSON.stringify({ text: 'No name here' }));
    expect((await anonymous.json()).message).not.toHaveProperty('name');
  });

  it.each([
    ['no text', { name: 'Ada' }, 'invalid_payload'],
    ['a blank text', { text: '  ' }, 'invalid_payload'],
    ['a text over the limit', { text: 'x'.repeat(LIMITS.maxTextLength + 1) }, 'invalid_payload'],
    [
      'a name over the limit',
      { text: 'hi', name: 'x'.repeat(LIMITS.maxNameLength + 1) },
      'invalid_payload',
    ],
    ['a number for a name', { text: 'hi', name: 7 }, 'invalid_payload'],
    ['not an object', ['hi'], 'invalid_payload'],
  ])('400 for %s, storing nothing', async (_, body, code) => {
    const res = await post(session.id, JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code } });
    expect(await store.history.after(session.id, 1)).toEqual([]);
  });

  it('400 for invalid JSON, 413 over the body limit', async () => {
    const broken = await post(session.id, '{"text":');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const huge = await post(session.id, JSON.stringify({ text: 'x'.repeat(LIMITS.maxBodyBytes) }));
    expect(huge.status).toBe(413);
  });

  it('401 for a missing or wrong key, before anything else is checked', async () => {
    const body = JSON.stringify({ text: 'hi' });
    for (const key of [null, 'wrong-key-0123456789abc', ADMIN_KEY, session.token]) {
      const res = await post(session.id, body, key);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    // Not even whether a session exists, or whether the body is valid.
    expect((await post('nope', '{', 'wrong-key-0123456789abc')).status).toBe(401);
    expect(await store.history.after(session.id, 1)).toEqual([]);
  });

  it('401 for every request while LEFLUX_API_KEY is unset', async () => {
    const keyless = await startServer({ store, log, now: () => clock, logger: silentLogger });
    try {
      for (const key of [null, API_KEY, '']) {
        const res = await post(session.id, JSON.stringify({ text: 'hi' }), key, keyless.url);
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({
          error: { code: 'unauthorized', message: expect.stringContaining('LEFLUX_API_KEY') },
        });
      }
    } finally {
      await keyless.close();
    }
  });

  it('404 for an unknown or evicted session', async () => {
    const body = JSON.stringify({ text: 'hi' });
    for (const id of ['nope', 'bad%20id', 'x'.repeat(65)]) {
      const res = await post(id, body);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'session_not_found' } });
    }
    clock += TTL;
    expect((await post(session.id, body)).status).toBe(404);
  });
});

describe('POST /api/session/:id/typing', () => {
  const typing = (id: string, key?: string) =>
    fetch(`${server.url}/api/session/${id}/typing`, {
      method: 'POST',
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    });

  it('204 with the key; 401 without; 404 for an unknown session', async () => {
    expect((await typing(session.id, API_KEY)).status).toBe(204);
    expect((await typing(session.id)).status).toBe(401);
    expect((await typing(session.id, 'wrong-key-0123456789abc')).status).toBe(401);
    expect((await typing('nope', API_KEY)).status).toBe(404);
  });
});

describe('DELETE /api/session/:id', () => {
  it('purges with the session token: live session and log rows', async () => {
    const res = await purge(session.id, { authorization: `Bearer ${session.token}` });
    expect(res.status).toBe(204);
    expect(await store.sessions.get(session.id)).toBeUndefined();
    expect(await log.listSession(session.id)).toEqual([]);
  });

  it('accepts the token in a JSON body', async () => {
    const res = await purge(session.id, {}, JSON.stringify({ token: session.token }));
    expect(res.status).toBe(204);
    expect(await store.sessions.get(session.id)).toBeUndefined();
  });

  it('purges with the admin key, also the log of an evicted session', async () => {
    expect((await purge(session.id, { 'x-leflux-admin-key': ADMIN_KEY })).status).toBe(204);
    expect(await store.sessions.get(session.id)).toBeUndefined();

    const other = await store.sessions.create('acme');
    await log.append({
      sessionId: other.id,
      siteKey: 'acme',
      messageId: 'x',
      author: 'visitor',
      text: 'bye',
      at: clock,
      seq: 1,
    });
    await store.sessions.delete(other.id);
    expect((await purge(other.id, { 'x-leflux-admin-key': ADMIN_KEY })).status).toBe(204);
    expect(await log.listSession(other.id)).toEqual([]);
    expect((await purge(other.id, { 'x-leflux-admin-key': ADMIN_KEY })).status).toBe(404);
  });

  it('401 without or with wrong credentials, and keeps the session', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${'x'.repeat(32)}` },
      { 'x-leflux-admin-key': 'wrong-admin-key-000' },
    ];
    for (const headers of attempts) {
      const res = await purge(session.id, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    expect(await store.sessions.get(session.id)).toBeDefined();
    expect(await log.listSession(session.id)).toHaveLength(1);
  });

  it('404 for an unknown session', async () => {
    const res = await purge('nope', { authorization: `Bearer ${session.token}` });
    expect(res.status).toBe(404);
  });
});

describe('CORS', () => {
  it('answers a preflight for /api/* reflecting the origin', async () => {
    const res = await fetch(`${server.url}/api/session/${session.id}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('vary')).toBe('Origin');
    expect(res.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(res.headers.get('access-control-allow-headers')).toContain('x-leflux-admin-key');
  });

  it('reflects the origin on API responses, errors included', async () => {
    const res = await restore('nope', JSON.stringify({ token: 'x' }), {
      origin: 'https://shop.example',
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });
});

describe('site settings (LEFLUX_SITES)', () => {
  const SHOP = 'https://shop.example';
  let sitesServer: (LeFluxServer & { url: string }) | undefined;
  afterEach(async () => {
    await sitesServer?.close();
    sitesServer = undefined;
  });

  async function startWithSites() {
    sitesServer = await startServer({
      demo: true,
      crawl: false,
      demoDir: join(dir, 'demo'),
      widgetFile: join(dir, 'widget.js'),
      sites: new Map([
        [
          'shop',
          {
            allowedOrigins: [SHOP],
            retention: { sessionTtlMs: 3_600_000, userTtlMs: 86_400_000 },
          },
        ],
      ]),
      store,
      log,
      now: () => clock,
      logger: silentLogger,
    });
    return sitesServer.url;
  }

  const call = (
    url: string,
    { id, token }: SessionRecord,
    method: string,
    headers: Record<string, string>,
  ) =>
    fetch(`${url}/api/session/${id}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(method === 'POST' ? { body: JSON.stringify({ token }) } : {}),
    });

  it("restore carries the site's retention, only for a site that sets it", async () => {
    const url = await startWithSites();
    const shop = await store.sessions.create('shop');
    const shopBody = await (await call(url, shop, 'POST', {})).json();
    expect(shopBody.retention).toEqual({ sessionTtlMs: 3_600_000, userTtlMs: 86_400_000 });
    const acmeBody = await (await call(url, session, 'POST', {})).json();
    expect(acmeBody).not.toHaveProperty('retention');
  });

  it("answers CORS for a listed site's sessions only to its origins", async () => {
    const url = await startWithSites();
    const shop = await store.sessions.create('shop');
    const preflight = (target: SessionRecord, origin: string) =>
      call(url, target, 'OPTIONS', { origin, 'access-control-request-method': 'POST' });

    const listed = await preflight(shop, SHOP);
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe(SHOP);
    const foreign = await preflight(shop, 'https://evil.example');
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect(await foreign.json()).toMatchObject({ error: { code: 'origin_not_allowed' } });

    const fromShop = await call(url, shop, 'POST', { origin: SHOP });
    expect(fromShop.status).toBe(200);
    expect(fromShop.headers.get('access-control-allow-origin')).toBe(SHOP);
    const fromEvil = await call(url, shop, 'POST', { origin: 'https://evil.example' });
    expect(fromEvil.status).toBe(403);
    expect(fromEvil.headers.get('access-control-allow-origin')).toBeNull();
    const purgeFromEvil = await call(url, shop, 'DELETE', {
      origin: 'https://evil.example',
      authorization: `Bearer ${shop.token}`,
    });
    expect(purgeFromEvil.status).toBe(403);
    expect(await store.sessions.get(shop.id)).toBeDefined();
    // No Origin: not a cross-origin browser call; the token decides, as before.
    expect((await call(url, shop, 'POST', {})).status).toBe(200);

    // A site without a list keeps today's behaviour: any origin.
    const acme = await call(url, session, 'POST', { origin: 'https://evil.example' });
    expect(acme.status).toBe(200);
    expect(acme.headers.get('access-control-allow-origin')).toBe('https://evil.example');
  });
});

describe('GET /widget.js', () => {
  it('503 with a clear message when the bundle is not built', async () => {
    const res = await fetch(`${server.url}/widget.js`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: { code: 'unavailable', message: expect.stringContaining('npm run build') },
    });
  });

  it('serves the bundle with ETag, CORS and revalidation, and notices a rebuild', async () => {
    writeFileSync(join(dir, 'widget.js'), 'window.LeFlux = 1;');
    const res = await fetch(`${server.url}/widget.js`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('window.LeFlux = 1;');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const etag = res.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);

    const cached = await fetch(`${server.url}/widget.js`, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);

    writeFileSync(join(dir, 'widget.js'), 'window.LeFlux = 22;');
    const rebuilt = await fetch(`${server.url}/widget.js`, { headers: { 'if-none-match': etag } });
    expect(rebuilt.status).toBe(200);
    expect(await rebuilt.text()).toBe('window.LeFlux = 22;');
  });

  it('compresses for browsers that accept it: brotli first, then gzip, each with its own ETag', async () => {
    const code = `window.LeFlux = ${JSON.stringify('x'.repeat(2000))};`;
    writeFileSync(join(dir, 'widget.js'), code);
    const get = (headers: Record<string, string>) => rawGet('/widget.js', headers);
    const br = await get({ 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.bytes).toString()).toBe(code);
    expect(br.bytes.length).toBeLessThan(code.length / 10);

    const gz = await get({ 'accept-encoding': 'gzip;q=1, br;q=0' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.bytes).toString()).toBe(code);

    const plain = await get({});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(code);

    const etags = [br, gz, plain].map((r) => r.headers.etag as string);
    expect(new Set(etags).size).toBe(3);
    expect((await get({ 'accept-encoding': 'br', 'if-none-match': etags[0]! })).status).toBe(304);
    // The plain file's validator does not stand for the brotli copy.
    expect((await get({ 'accept-encoding': 'br', 'if-none-match': etags[2]! })).status).toBe(200);
  });

  it('serves the source map beside it', async () => {
    writeFileSync(join(dir, 'widget.js.map'), '{"version":3}');
    const res = await fetch(`${server.url}/widget.js.map`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ version: 3 });
  });
});

describe('demo site', () => {
  it.each([
    ['/', '<h1>home</h1>', 'text/html; charset=utf-8'],
    ['/pricing.html', '<h1>pricing</h1>', 'text/html; charset=utf-8'],
    ['/style.css', 'body{}', 'text/css; charset=utf-8'],
    ['/app/', '<h1>spa</h1>', 'text/html; charset=utf-8'],
    ['/app/orders/42', '<h1>spa</h1>', 'text/html; charset=utf-8'],
    ['/app/app.js', 'console.log(1)', 'text/javascript; charset=utf-8'],
  ])('GET %s', async (path, body, type) => {
    const res = await fetch(`${server.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(await res.text()).toBe(body);
  });

  it('redirects /app to /app/', async () => {
    const res = await fetch(`${server.url}/app`, { redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/app/');
  });

  it.each([
    '/missing.html',
    '/.env',
    '/../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/app/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%00',
  ])('404 not_found for %s', async (path) => {
    const res = await rawGet(path);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'not_found' } });
  });

  it('404 for unknown API routes', async () => {
    const res = await fetch(`${server.url}/api/nothing`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
