// @vitest-environment node
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionIdentity, SessionInitPayload } from '../../protocol/index.js';
import type { AgentSession } from '../agent/agent.js';
import type { MessageLog } from '../log/message-log.js';
import { openSqliteMessageLog } from '../log/sqlite-log.js';
import { silentLogger } from '../logger.js';
import { type LeFluxServer, startServer } from '../server.js';
import type { SiteSettings } from '../site-settings.js';
import { initSession, openTestSocket, type TestSocket } from './test-socket.js';

const SECRET = 'shop-identity-secret-0123';
/** What the site's backend computes (README: identity verification). */
const hashOf = (userId: string, secret = SECRET) =>
  createHmac('sha256', secret).update(userId).digest('hex');

let server: (LeFluxServer & { url: string }) | undefined;
let log: MessageLog | undefined;
const sockets: TestSocket[] = [];
/** `ctx.session` of each visitor message, as the agent received it. */
const seen: AgentSession[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await server?.close();
  server = undefined;
  log = undefined;
  seen.length = 0;
});

async function start() {
  log = openSqliteMessageLog(':memory:', { logger: silentLogger });
  server = await startServer({
    log,
    crawl: false,
    logger: silentLogger,
    sites: new Map<string, SiteSettings>([['shop', { identitySecret: SECRET }]]),
    agent: {
      reply: async ({ session }) => {
        seen.push(session);
        return { text: 'ok' };
      },
    },
  });
  return server;
}

/** Who the message log says wrote each visitor message, by message id. */
async function loggedIdentities(): Promise<Record<string, SessionIdentity | undefined>> {
  await log?.flush();
  const rows = await log?.listRange({ siteKey: 'shop', from: 0, to: Date.now() + 1, limit: 100 });
  const acme = await log?.listRange({ siteKey: 'acme', from: 0, to: Date.now() + 1, limit: 100 });
  return Object.fromEntries(
    [...(rows ?? []), ...(acme ?? [])]
      .filter((row) => row.author === 'visitor')
      .map((row) => [row.messageId, row.identity]),
  );
}

async function visitor(siteKey = 'shop') {
  const socket = await openTestSocket(server?.url ?? '', sockets, { siteKey });
  const init = (payload: Partial<SessionInitPayload> = {}) =>
    initSession(socket, { siteKey, ...payload });
  /** Sends a message and resolves with the identity the agent saw for it. */
  const say = async (id: string): Promise<SessionIdentity | undefined> => {
    const answered = new Promise((done) => socket.once('agent_message', done));
    const before = seen.length;
    await socket.timeout(2000).emitWithAck('visitor_message', {
      id,
      text: 'hello',
      url: '',
      sentAt: Date.now(),
    });
    await answered;
    return seen[before]?.identity;
  };
  return { socket, init, say };
}

describe('identity verification through session_init', () => {
  it('verifies a right hash: the agent sees a verified identity', async () => {
    await start();
    const { init, say } = await visitor();
    const ack = await init({ identity: { userId: 'u-42', userHash: hashOf('u-42') } });
    expect(ack.ok).toBe(true);
    expect(await say('m1')).toEqual({ userId: 'u-42', verified: true });
    expect(await loggedIdentities()).toEqual({ m1: { userId: 'u-42', verified: true } });
  });

  it('refuses a wrong hash with invalid_identity and keeps what the session held', async () => {
    await start();
    const { init, say } = await visitor();
    const ack = await init({ identity: { userId: 'u-42', userHash: hashOf('u-42') } });
    if (!ack.ok) throw new Error(ack.error.code);
    const resume = { sessionId: ack.sessionId, token: ack.token };

    for (const userHash of [hashOf('u-43'), hashOf('u-42', `${SECRET}-other`)]) {
      const refused = await init({ ...resume, identity: { userId: 'u-42-admin', userHash } });
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_identity' } });
    }
    // A fresh session with a wrong hash is not started either.
    const { init: other } = await visitor();
    expect(await other({ identity: { userId: 'u-7', userHash: hashOf('u-8') } })).toMatchObject({
      ok: false,
      error: { code: 'invalid_identity' },
    });
    // The first visitor's session and its verified identity are untouched; a bind without an
    // identity changes nothing either.
    const again = await init(resume);
    expect(again).toMatchObject({ ok: true, sessionId: ack.sessionId, resumed: true });
    expect(await say('m2')).toEqual({ userId: 'u-42', verified: true });
  });

  it('keeps a user id without a hash, or on a site without a secret, as unverified', async () => {
    await start();
    const shop = await visitor();
    expect((await shop.init({ identity: { userId: 'u-42' } })).ok).toBe(true);
    expect(await shop.say('m1')).toEqual({ userId: 'u-42', verified: false });

    const acme = await visitor('acme');
    const ack = await acme.init({ identity: { userId: 'u-9', userHash: hashOf('u-9') } });
    expect(ack.ok).toBe(true);
    expect(await acme.say('m2')).toEqual({ userId: 'u-9', verified: false });

    const anonymous = await visitor();
    expect((await anonymous.init()).ok).toBe(true);
    expect(await anonymous.say('m3')).toBeUndefined();
    // The log tells the same: claimed, not verified; and nobody for the anonymous visitor.
    expect(await loggedIdentities()).toEqual({
      m1: { userId: 'u-42', verified: false },
      m2: { userId: 'u-9', verified: false },
      m3: undefined,
    });
  });

  it('refuses a malformed claim with invalid_payload, before any hash is checked', async () => {
    await start();
    const { init } = await visitor();
    expect(await init({ identity: { userId: 'u-42', userHash: 'not-hex' } })).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', message: expect.stringMatching(/^identity: .*userHash/) },
    });
  });
});
