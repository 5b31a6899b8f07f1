// @vitest-environment node
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import { createAgentDispatch } from '../agent/dispatch.js';
import { createConversation } from '../conversation/conversation.js';
import { unheardFeed } from '../conversation/inbox-feed.js';
import { createRecordingChannel } from '../conversation/test-channel.js';
import { createMemoryRateLimiter, NO_RATE_LIMITS } from '../limits/rate-limiter.js';
import { openSqliteMessageLog } from '../log/sqlite-log.js';
import { silentLogger } from '../logger.js';
import { createSiteContext } from '../site/site-search.js';
import { countingStore } from '../stores/counting-store.js';
import { createMemorySessionStore } from '../stores/memory-store.js';
import { createRedisSessionStore } from '../stores/redis-store.js';
import type { SessionStore } from '../stores/session-store.js';
import { createTaskRunner } from '../tasks/task-runner.js';
import { redisForThisFile } from '../testing/per-file-servers.js';
import { skipWithoutServers } from '../testing/server-binaries.js';
import { createSessionServices } from './sessions.js';

/**
 * The session services over a counting store (default: memory), wrapped by `wrap`, without
 * sockets.
 */
async function services(
  agent: Agent,
  inner: SessionStore = createMemorySessionStore({ idleTtlMs: 60_000 }),
  wrap: (store: SessionStore) => SessionStore = (s) => s,
) {
  const counting = countingStore(inner);
  const store = wrap(counting.store);
  const channel = createRecordingChannel();
  const log = openSqliteMessageLog(':memory:');
  const common = { store, channel, now: Date.now, logger: silentLogger };
  const conversation = createConversation({ ...common, log });
  const tasks = createTaskRunner({ ...common, conversation, holdMs: 30_000, waitTtlMs: 60_000 });
  const dispatch = createAgentDispatch({
    ...common,
    agent,
    conversation,
    tasks,
    site: createSiteContext(),
    timeoutMs: 2000,
  });
  const sessions = createSessionServices({
    ...common,
    log,
    conversation,
    tasks,
    dispatch,
    feed: unheardFeed,
    sites: () => ({}),
    limiter: createMemoryRateLimiter(NO_RATE_LIMITS),
  });
  const bound = await sessions.bind(
    { siteKey: 'acme', url: 'https://acme.test/', title: 'Acme' },
    { socketId: 'socket-1', origin: undefined, address: '127.0.0.1' },
  );
  if (!bound.ok) throw new Error(bound.error.message);
  return { counting, channel, log, sessions, sessionId: bound.ack.sessionId };
}

const message = (id: string, text: string) => ({
  id,
  text,
  url: 'https://acme.test/',
  sentAt: Date.now(),
});

describe('a plain visitor message', () => {
  it('costs at most 3 store calls: stored, answered with history, the answer stored', async () => {
    const { counting, channel, log, sessions, sessionId } = await services({
      async reply({ history }) {
        return { text: `You said: ${history.at(-1)?.text}` };
      },
    });
    // The first message on a page may write it; this one comes from the page bound.
    counting.reset();
    expect(await sessions.message(sessionId, 'socket-1', message('m1', 'hello'))).toEqual({
      ok: true,
      seq: 1,
      duplicate: false,
    });
    await sessions.drain();
    expect(counting.calls).toEqual(['history.appendVisitor', 'history.recent', 'history.append']);
    // And it did all a message does: stored, logged, answered to the session's tabs.
    expect(channel.sent(sessionId, 'agent_message').map((m) => m.text)).toEqual([
      'You said: hello',
    ]);
    expect((await log.listSession(sessionId)).map((e) => e.author)).toEqual(['visitor', 'agent']);
  });

  it('a resend costs one call and is answered once', async () => {
    let answers = 0;
    const { counting, sessions, sessionId } = await services({
      async reply() {
        answers++;
        return { text: 'ok' };
      },
    });
    await sessions.message(sessionId, 'socket-1', message('m1', 'hello'));
    await sessions.drain();
    counting.reset();
    expect(await sessions.message(sessionId, 'socket-1', message('m1', 'hello'))).toMatchObject({
      duplicate: true,
    });
    await sessions.drain();
    expect(counting.calls).toEqual(['history.appendVisitor']);
    expect(answers).toBe(1);
  });

  it('a resend after a failure between storing and logging is logged (the ack was lost with it)', async () => {
    let failOnce = true;
    const { sessions, sessionId, log } = await services(
      { reply: async () => null },
      undefined,
      (store) => ({
        ...store,
        history: {
          ...store.history,
          async appendVisitor(...args) {
            const result = await store.history.appendVisitor(...args);
            if (failOnce) {
              failOnce = false;
              // A networked store whose write went through and whose reply did not.
              throw new Error('connection reset after the write');
            }
            return result;
          },
        },
      }),
    );
    await expect(sessions.message(sessionId, 'socket-1', message('m1', 'hello'))).rejects.toThrow();
    expect(await log.listSession(sessionId)).toEqual([]);
    expect(await sessions.message(sessionId, 'socket-1', message('m1', 'hello'))).toMatchObject({
      duplicate: true,
      seq: 1,
    });
    expect((await log.listSession(sessionId)).map((e) => [e.messageId, e.seq])).toEqual([
      ['m1', 1],
    ]);
    // Once logged, a later resend changes nothing.
    await sessions.message(sessionId, 'socket-1', message('m1', 'hello'));
    expect(await log.listSession(sessionId)).toHaveLength(1);
  });
});

describe.skipIf(skipWithoutServers(['redis'], 'a plain visitor message on Redis'))(
  'a plain visitor message on the Redis store',
  () => {
    const redis = redisForThisFile();
    const clients: Redis[] = [];
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.quit()));
    });

    it('costs the same 3 store calls, and 7 Redis commands (5 of them before the answer is sent): the lock taken and released twice, one script per store call', async () => {
      const client = new Redis(redis().url);
      clients.push(client);
      const commands: string[] = [];
      const send = client.sendCommand.bind(client);
      client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
        commands.push(command.name);
        return (send as (...args: unknown[]) => unknown)(command, ...rest);
      }) as typeof client.sendCommand;
      const store = createRedisSessionStore({
        client,
        ownsClient: false,
        idleTtlMs: 60_000,
        keyPrefix: `i${nanoid(6)}:`,
      });
      const { counting, log, sessions, sessionId } = await services(
        {
          async reply({ history }) {
            return { text: `You said: ${history.at(-1)?.text}` };
          },
        },
        store,
      );
      // Scripts are loaded once per connection: warm them up as a running node has.
      await sessions.message(sessionId, 'socket-1', message('m0', 'warm up'));
      await sessions.drain();
      counting.reset();
      commands.length = 0;
      await sessions.message(sessionId, 'socket-1', message('m1', 'hello'));
      await sessions.drain();
      expect(counting.calls).toEqual(['history.appendVisitor', 'history.recent', 'history.append']);
      expect(commands).toEqual([
        'set',
        'evalsha',
        'evalsha',
        'evalsha',
        'set',
        'evalsha',
        'evalsha',
      ]);
      expect((await log.listSession(sessionId)).map((e) => e.author)).toEqual([
        'visitor',
        'agent',
        'visitor',
        'agent',
      ]);
    });
  },
);
