// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Agent } from '../agent/agent.js';
import { createAgentDispatch } from '../agent/dispatch.js';
import { createConversation } from '../conversation/conversation.js';
import { unheardFeed } from '../conversation/inbox-feed.js';
import { createRecordingChannel } from '../conversation/test-channel.js';
import { openSqliteMessageLog } from '../log/sqlite-log.js';
import { silentLogger } from '../logger.js';
import { createSiteContext } from '../site/site-search.js';
import { countingStore } from '../stores/counting-store.js';
import { createMemorySessionStore } from '../stores/memory-store.js';
import { createTaskRunner } from '../tasks/task-runner.js';
import { createSessionServices } from './sessions.js';

/** The session services over a counting memory store, without sockets. */
async function services(agent: Agent) {
  const counting = countingStore(createMemorySessionStore({ idleTtlMs: 60_000 }));
  const { store } = counting;
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
  });
  const bound = await sessions.bind(
    { siteKey: 'acme', url: 'https://acme.test/', title: 'Acme' },
    { socketId: 'socket-1', origin: undefined },
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
});
