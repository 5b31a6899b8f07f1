// @vitest-environment node
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type {
  ConversationView,
  InboxNews,
  OperatorSession,
  SessionPage,
  SiteStats,
} from '../protocol/dashboard.js';
import type { SessionInitOk } from '../protocol/index.js';
import { openSqliteMessageLog } from './log/sqlite-log.js';
import { silentLogger } from './logger.js';
import { initSession, openTestSocket, type TestSocket } from './realtime/test-socket.js';
import { type LeFluxServer, type LeFluxServerOptions, startServer } from './server.js';
import { parseSiteSettings } from './site-settings.js';
import { createMemorySessionStore } from './stores/memory-store.js';

const ADMIN_KEY = 'test-admin-key-0123456';
const ACME_KEY = 'acme-site-admin-key-0123';

/** A dashboard build of its own: an entry (public) and an app chunk (signed in only). */
const dashboardDir = mkdtempSync(join(tmpdir(), 'leflux-dashboard-'));
mkdirSync(join(dashboardDir, 'assets'));
writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><title>LeFlux dashboard</title>');
writeFileSync(join(dashboardDir, 'assets', 'index-abc123.js'), 'console.log("sign in")');
writeFileSync(join(dashboardDir, 'assets', 'index-abc123.css'), 'body{}');
writeFileSync(join(dashboardDir, 'assets', 'app-def456.js'), 'console.log("inbox")');
writeFileSync(
  join(dashboardDir, 'manifest.json'),
  JSON.stringify({
    'index.html': {
      file: 'assets/index-abc123.js',
      isEntry: true,
      css: ['assets/index-abc123.css'],
      dynamicImports: ['app/app.tsx'],
    },
    'app/app.tsx': { file: 'assets/app-def456.js', isDynamicEntry: true, imports: ['index.html'] },
  }),
);
afterAll(() => rmSync(dashboardDir, { recursive: true, force: true }));

const servers: LeFluxServer[] = [];
const sockets: (TestSocket | Socket)[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: LeFluxServerOptions = {}) {
  const server = await startServer({
    dbPath: ':memory:',
    adminKey: ADMIN_KEY,
    sites: parseSiteSettings(JSON.stringify({ acme: { adminKey: ACME_KEY } }), 'sites.json'),
    dashboardDir,
    ...options,
    logger: silentLogger,
  });
  servers.push(server);
  return server;
}

/** An operator's browser: the cookie it got at sign-in, its CSRF token, this origin. */
async function signIn(server: LeFluxServer & { url: string }, key = ADMIN_KEY) {
  const res = await fetch(`${server.url}/dashboard/api/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ key }),
  });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const session = (await res.json()) as OperatorSession;
  const call = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${server.url}/dashboard/api/${path}`, {
      method,
      headers: {
        cookie,
        origin: server.url,
        'x-leflux-csrf': session.csrf,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  return { cookie, session, call };
}

/** A visitor of site `acme` with one message sent. */
async function visitor(server: { url: string }, text = 'I need a refund', siteKey = 'acme') {
  const socket = await openTestSocket(server.url, sockets as TestSocket[]);
  const ack = (await initSession(socket, { siteKey })) as SessionInitOk;
  await socket.timeout(2000).emitWithAck('visitor_message', {
    id: 'm1',
    text,
    url: 'https://acme.test/pricing',
    sentAt: Date.now(),
  });
  return { socket, sessionId: ack.sessionId, token: ack.token };
}

const range = () => `from=0&to=${Date.now() + 60_000}`;

describe('the dashboard API', () => {
  it('answers nothing without a sign-in: API, unknown routes and the inbox chunk all 401', async () => {
    const server = await start();
    for (const [method, path] of [
      ['GET', '/dashboard/api/me'],
      ['GET', `/dashboard/api/sites/acme/sessions?${range()}`],
      ['GET', '/dashboard/api/sites/acme/sessions/abc'],
      ['POST', '/dashboard/api/sites/acme/sessions/abc/messages'],
      ['PUT', '/dashboard/api/sites/acme/privacy'],
      ['GET', '/dashboard/api/sites/acme/export.csv?from=0&to=1'],
      ['GET', '/dashboard/api/nothing-here'],
      ['DELETE', '/dashboard/api/nothing-here'],
      ['POST', '/dashboard/anything'],
      ['GET', '/dashboard/assets/app-def456.js'],
    ]) {
      const res = await fetch(`${server.url}${path}`, { method });
      expect([path, res.status]).toEqual([path, 401]);
      expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    // The sign-in page, its script and styles are all a signed-out browser gets.
    const page = await fetch(`${server.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect((await fetch(`${server.url}/dashboard/assets/index-abc123.js`)).status).toBe(200);
    expect((await fetch(`${server.url}/dashboard/assets/index-abc123.css`)).status).toBe(200);
    expect((await fetch(`${server.url}/dashboard/some/client/route`)).status).toBe(200);
  });

  it('signs in with the admin key: an HttpOnly SameSite=Strict cookie, Secure behind https', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/dashboard/api/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: ADMIN_KEY }),
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      /^leflux_dashboard=v1\.\*\.\d+\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    expect(await res.json()).toMatchObject({ scope: 'all', sites: ['acme'] });
    const proxied = await fetch(`${server.url}/dashboard/api/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ key: ADMIN_KEY }),
    });
    expect(proxied.headers.get('set-cookie')).toMatch(/; Secure$/);

    const { call, cookie: signedIn } = await signIn(server);
    expect((await call('GET', 'me')).status).toBe(200);
    expect(
      (
        await fetch(`${server.url}/dashboard/assets/app-def456.js`, {
          headers: { cookie: signedIn },
        })
      ).status,
    ).toBe(200);
    // A forged or altered cookie is nobody.
    const forged = signedIn.replace(/\.[\w-]{43}$/, `.${'A'.repeat(43)}`);
    const widened = signedIn.replace('.*.', '.acme.');
    for (const bad of [forged, widened, 'leflux_dashboard=v1.*.99999999999999.x']) {
      expect(
        (await fetch(`${server.url}/dashboard/api/me`, { headers: { cookie: bad } })).status,
      ).toBe(401);
    }
    // Signing out clears the cookie.
    const out = await call('POST', 'sign-out');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^leflux_dashboard=; .*Max-Age=0/);
  });

  it('refuses a wrong key, and a sign-in posted from another origin or as a form', async () => {
    const server = await start();
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${server.url}/dashboard/api/sign-in`, { method: 'POST', headers, body });
    const wrong = await post(JSON.stringify({ key: 'not-the-key-0123456789' }), {
      'content-type': 'application/json',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const crossSite = await post(JSON.stringify({ key: ADMIN_KEY }), {
      'content-type': 'application/json',
      origin: 'https://evil.example',
    });
    expect([crossSite.status, (await crossSite.json()).error.code]).toEqual([403, 'csrf_failed']);
    const form = await post(`key=${ADMIN_KEY}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(400);
  });

  it('limits wrong keys per IP: then even the right key waits (429, Retry-After)', async () => {
    const server = await start({ signInAttempts: 3 });
    const attempt = (key: string) =>
      fetch(`${server.url}/dashboard/api/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key }),
      });
    for (let i = 0; i < 3; i++)
      expect((await attempt(`wrong-key-number-${i}-xxxx`)).status).toBe(401);
    const limited = await attempt(ADMIN_KEY);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(800);
    expect((await limited.json()).error.code).toBe('rate_limited');
  });

  it('refuses state changes without the CSRF token, from another origin or site (403 csrf_failed)', async () => {
    const server = await start();
    const { sessionId } = await visitor(server);
    const { call } = await signIn(server);
    const takeover = `sites/acme/sessions/${sessionId}/takeover`;
    for (const headers of <Record<string, string>[]>[
      { 'x-leflux-csrf': '' },
      { 'x-leflux-csrf': 'guessed' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'same-site' },
    ]) {
      const res = await call('POST', takeover, { name: 'Ada' }, headers);
      expect([headers, res.status]).toEqual([headers, 403]);
      expect((await res.json()).error.code).toBe('csrf_failed');
    }
    const view = async () =>
      (await (await call('GET', `sites/acme/sessions/${sessionId}`)).json()) as ConversationView;
    expect((await view()).session.takeover).toBeUndefined();
    // The same request from the dashboard itself goes through; so does one behind a proxy.
    expect((await call('POST', takeover, { name: 'Ada' })).status).toBe(200);
    expect((await view()).session.takeover?.by).toBe('Ada');
    const proxied = await call('DELETE', takeover, undefined, {
      origin: 'https://chat.example.com',
      'x-forwarded-host': 'chat.example.com',
    });
    expect(proxied.status).toBe(200);
  });

  it('a site’s own key opens that site only', async () => {
    const server = await start();
    const other = await visitor(server, 'hello from beta', 'beta');
    const { call, session } = await signIn(server, ACME_KEY);
    expect(session).toMatchObject({ scope: 'sites', sites: ['acme'] });
    expect((await call('GET', `sites/acme/sessions?${range()}`)).status).toBe(200);
    expect((await call('GET', `sites/beta/sessions?${range()}`)).status).toBe(404);
    // Another site's session through this site's path reads as unknown.
    expect((await call('GET', `sites/acme/sessions/${other.sessionId}`)).status).toBe(404);
    expect((await call('DELETE', `sites/acme/sessions/${other.sessionId}`)).status).toBe(404);
  });

  it('shows who identify() said the visitor is, verified or not', async () => {
    const secret = 'acme-identity-secret-0123';
    const server = await start({
      sites: parseSiteSettings(
        JSON.stringify({ acme: { adminKey: ACME_KEY, identitySecret: secret } }),
        'sites.json',
      ),
    });
    const identified = async (userId: string, userHash?: string) => {
      const socket = await openTestSocket(server.url, sockets as TestSocket[]);
      const identity = userHash ? { userId, userHash } : { userId };
      const ack = await initSession(socket, { identity });
      if (!ack.ok) throw new Error(ack.error.code);
      return ack.sessionId;
    };
    const hash = createHmac('sha256', secret).update('u-42').digest('hex');
    const verified = await identified('u-42', hash);
    const claimed = await identified('u-7');
    const { call } = await signIn(server);
    const visitorOf = async (sessionId: string) =>
      ((await (await call('GET', `sites/acme/sessions/${sessionId}`)).json()) as ConversationView)
        .session.visitor;
    expect(await visitorOf(verified)).toEqual({
      kind: 'identified',
      verified: true,
      userId: 'u-42',
      contact: {},
    });
    expect(await visitorOf(claimed)).toMatchObject({
      kind: 'identified',
      verified: false,
      userId: 'u-7',
    });
  });

  it('shows the user id the log kept once the conversation is no longer live', async () => {
    const secret = 'acme-identity-secret-0123';
    const store = createMemorySessionStore({ idleTtlMs: 60_000 });
    const server = await start({
      store,
      sites: parseSiteSettings(
        JSON.stringify({ acme: { adminKey: ACME_KEY, identitySecret: secret } }),
        'sites.json',
      ),
    });
    const socket = await openTestSocket(server.url, sockets as TestSocket[]);
    const userHash = createHmac('sha256', secret).update('u-42').digest('hex');
    const ack = (await initSession(socket, {
      identity: { userId: 'u-42', userHash },
    })) as SessionInitOk;
    await socket.timeout(2000).emitWithAck('visitor_message', {
      id: 'm1',
      text: 'Where is my order?',
      url: 'https://acme.test/orders',
      sentAt: Date.now(),
    });
    // Ended (as an eviction ends it): the live session and its contact details are gone.
    await store.sessions.delete(ack.sessionId);
    const { call } = await signIn(server);
    const view = (await (
      await call('GET', `sites/acme/sessions/${ack.sessionId}`)
    ).json()) as ConversationView;
    expect(view.session.live).toBe(false);
    expect(view.session.visitor).toEqual({ kind: 'identified', verified: true, userId: 'u-42' });
    // The export says who wrote each visitor message too.
    const now = Date.now();
    const csv = await call('GET', `sites/acme/export.csv?from=${now - 60_000}&to=${now + 60_000}`);
    const rows = (await csv.text()).split('\r\n').filter((line) => line.includes('"visitor"'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/,"Where is my order\?","https:\/\/acme\.test\/orders","u-42","yes"$/);
  });

  it('lists, shows, answers, takes over and purges a conversation', async () => {
    const server = await start({
      agent: { reply: async ({ message }) => ({ text: `Agent: ${message.text}` }) },
    });
    const { socket, sessionId, token } = await visitor(server);
    await server.drain();
    const { call } = await signIn(server);

    const page = (await (
      await call('GET', `sites/acme/sessions?${range()}&q=REFUND`)
    ).json()) as SessionPage;
    expect(page).toMatchObject({ total: 1, offset: 0, limit: 25 });
    expect(page.sessions[0]).toMatchObject({
      sessionId,
      messages: 2,
      live: true,
      connected: true,
      // The page of the visitor's message, which the session keeps as its current one.
      url: 'https://acme.test/pricing',
      visitor: { kind: 'anonymous', verified: false },
    });
    const empty = (await (
      await call('GET', `sites/acme/sessions?${range()}&q=nothing`)
    ).json()) as SessionPage;
    expect(empty.total).toBe(0);

    const view = (await (
      await call('GET', `sites/acme/sessions/${sessionId}`)
    ).json()) as ConversationView;
    expect(view.messages.map((m) => `${m.author}: ${m.text}`)).toEqual([
      'visitor: I need a refund',
      'agent: Agent: I need a refund',
    ]);
    expect(view.pages.map((p) => p.url)).toEqual(['https://acme.test/pricing']);

    // The visitor sees the operator's message, with the name.
    const heard = new Promise((done) => socket.once('agent_message', done));
    const reply = await call('POST', `sites/acme/sessions/${sessionId}/messages`, {
      text: 'Ada here.',
      name: 'Ada',
    });
    expect(reply.status).toBe(201);
    expect(await heard).toMatchObject({ text: 'Ada here.', name: 'Ada' });
    const nameless = await call('POST', `sites/acme/sessions/${sessionId}/messages`, {
      text: 'hi',
    });
    expect([nameless.status, (await nameless.json()).error.code]).toEqual([400, 'invalid_payload']);
    const typing = new Promise((done) => socket.once('agent_typing', done));
    expect((await call('POST', `sites/acme/sessions/${sessionId}/typing`)).status).toBe(204);
    await typing;

    // Taken over: the agent does not answer; handed back, it does.
    expect(
      (await call('POST', `sites/acme/sessions/${sessionId}/takeover`, { name: 'Ada' })).status,
    ).toBe(200);
    await socket.timeout(2000).emitWithAck('visitor_message', {
      id: 'm2',
      text: 'still there?',
      url: '',
      sentAt: Date.now(),
    });
    await server.drain();
    const taken = (await (
      await call('GET', `sites/acme/sessions/${sessionId}`)
    ).json()) as ConversationView;
    expect(taken.messages.map((m) => m.text)).toEqual([
      'I need a refund',
      'Agent: I need a refund',
      'Ada here.',
      'still there?',
    ]);
    expect((await call('DELETE', `sites/acme/sessions/${sessionId}/takeover`)).status).toBe(200);
    await socket
      .timeout(2000)
      .emitWithAck('visitor_message', { id: 'm3', text: 'ok', url: '', sentAt: Date.now() });
    await server.drain();
    const after = (await (
      await call('GET', `sites/acme/sessions/${sessionId}`)
    ).json()) as ConversationView;
    expect(after.messages.at(-1)?.text).toBe('Agent: ok');

    // Purged: gone from the list, the log and the store; the visitor's tab is told.
    const evicted = new Promise((done) => socket.once('session_evicted', done));
    expect((await call('DELETE', `sites/acme/sessions/${sessionId}`)).status).toBe(204);
    await evicted;
    expect((await call('GET', `sites/acme/sessions/${sessionId}`)).status).toBe(404);
    const restore = await fetch(`${server.url}/api/session/${sessionId}`, {
      method: 'POST',
      body: JSON.stringify({ token }),
    });
    expect(restore.status).toBe(404);
  });

  it('counts per day, exports CSV with formulas defused, and saves privacy settings that new sessions get', async () => {
    const server = await start();
    await visitor(server, '=HYPERLINK("https://evil.example","click")');
    const { call } = await signIn(server);
    const now = Date.now();
    const stats = (await (
      await call('GET', `sites/acme/stats?from=${now - 86_400_000}&to=${now + 60_000}`)
    ).json()) as SiteStats;
    expect(stats.conversations).toBe(1);
    expect(stats.messages).toBe(1);
    expect(stats.days.length).toBeGreaterThanOrEqual(2);
    expect((await call('GET', `sites/acme/stats?from=0&to=${now}`)).status).toBe(400);

    const csv = await call('GET', `sites/acme/export.csv?from=${now - 60_000}&to=${now + 60_000}`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(
      /^attachment; filename="leflux-acme-\d{4}-\d\d-\d\d\.csv"$/,
    );
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('"time","session","seq","author","name","text","page","user","verified"');
    expect(lines[1]).toMatch(
      /,"'=HYPERLINK\(""https:\/\/evil\.example"",""click""\)","https:\/\/acme\.test\/pricing",,$/,
    );

    const privacy = { sessionHours: 1, idleMinutes: 10, messageLog: true, retentionDays: 30 };
    expect(await (await call('GET', 'sites/acme/privacy')).json()).toEqual({
      sessionHours: 24,
      idleMinutes: 30,
      messageLog: true,
      retentionDays: null,
    });
    const bad = await call('PUT', 'sites/acme/privacy', { ...privacy, sessionHours: 48 });
    expect([bad.status, (await bad.json()).error.code]).toEqual([400, 'invalid_payload']);
    expect(await (await call('PUT', 'sites/acme/privacy', privacy)).json()).toEqual(privacy);
    const fresh = await openTestSocket(server.url, sockets as TestSocket[]);
    const ack = (await initSession(fresh)) as SessionInitOk;
    expect(ack.retention).toEqual({ sessionTtlMs: 3_600_000, userTtlMs: 30 * 86_400_000 });
  });

  it('pushes news to a signed-in dashboard of the site, and refuses others on the namespace', async () => {
    const server = await start();
    const { cookie } = await signIn(server, ACME_KEY);
    const dashboard = (siteKey: string, headers: Record<string, string>) => {
      const socket = connect(`${server.url}/dashboard`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        auth: { siteKey },
        extraHeaders: headers,
      });
      sockets.push(socket);
      return new Promise<Socket>((done, fail) => {
        socket.once('connect', () => done(socket));
        socket.once('connect_error', fail);
      });
    };
    await expect(dashboard('acme', {})).rejects.toThrow(/sign in first/);
    await expect(dashboard('acme', { cookie, origin: 'https://evil.example' })).rejects.toThrow(
      /cross-origin/,
    );
    await expect(dashboard('beta', { cookie, origin: server.url })).rejects.toThrow(
      /does not open/,
    );
    const live = await dashboard('acme', { cookie, origin: server.url });
    const news: InboxNews[] = [];
    live.on('news', (n: InboxNews) => news.push(n));
    const { sessionId } = await visitor(server, 'hello dashboard');
    await expect.poll(() => news.map((n) => n.type)).toEqual(['session', 'message']);
    expect(news[1]).toMatchObject({
      sessionId,
      message: { author: 'visitor', text: 'hello dashboard' },
    });
  });

  it('deletes log rows past a site’s retention at start (then daily), and only those', async () => {
    const DAY = 86_400_000;
    const log = openSqliteMessageLog(':memory:');
    const row = (sessionId: string, siteKey: string, daysAgo: number) => ({
      sessionId,
      siteKey,
      messageId: `${sessionId}-m`,
      author: 'visitor' as const,
      text: 'hello',
      at: Date.now() - daysAgo * DAY,
      seq: 1,
    });
    await log.append(row('old', 'acme', 40));
    await log.append(row('recent', 'acme', 2));
    await log.append(row('kept', 'beta', 400));
    await start({
      log,
      sites: parseSiteSettings(
        JSON.stringify({ acme: { adminKey: ACME_KEY, retentionDays: 30 } }),
        'sites.json',
      ),
    });
    await expect.poll(async () => (await log.listSession('old')).length).toBe(0);
    expect(await log.listSession('recent')).toHaveLength(1);
    expect(await log.listSession('kept')).toHaveLength(1);
  });
});
