// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../protocol/index.js';
import { createConversation } from '../conversation/conversation.js';
import { createRecordingChannel } from '../conversation/test-channel.js';
import { createDisabledMessageLog } from '../log/message-log.js';
import type { Logger } from '../logger.js';
import { createSiteContext } from '../site/site-search.js';
import { createMemorySessionStore } from '../stores/memory-store.js';
import { createTaskRunner } from '../tasks/task-runner.js';
import type { Agent, AgentContext } from './agent.js';
import { AGENT_FAILED_TEXT, AGENT_HISTORY, createAgentDispatch } from './dispatch.js';

/** A logger that keeps what was logged, to check what it says (and what it never says). */
function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = {
    info: (m) => void lines.push(`info ${m}`),
    warn: (m, e) => void lines.push(`warn ${m} ${e ?? ''}`),
    error: (m, e) => void lines.push(`error ${m} ${e instanceof Error ? e.message : (e ?? '')}`),
  };
  return { logger, lines };
}

/** A session with a bound socket, its dispatch, and a way to send visitor messages to it. */
async function setup(agent: Agent | undefined, { timeoutMs = 2000 } = {}) {
  const store = createMemorySessionStore({ idleTtlMs: 60_000 });
  const channel = createRecordingChannel();
  const { logger, lines } = recordingLogger();
  const conversation = createConversation({
    store,
    log: createDisabledMessageLog(),
    channel,
    now: Date.now,
    logger,
  });
  const tasks = createTaskRunner({
    store,
    conversation,
    channel,
    now: Date.now,
    logger,
    holdMs: 30_000,
    waitTtlMs: 60_000,
  });
  const dispatch = createAgentDispatch({
    agent,
    store,
    conversation,
    tasks,
    site: createSiteContext(),
    logger,
    timeoutMs,
  });
  const session = await store.sessions.create('acme', 'visitor-1');
  await store.sockets.bind(session.id, 'socket-1');
  let n = 0;
  /** Stores a visitor message, as the intake does, and answers it. */
  async function say(text: string) {
    const payload = { id: `m${++n}`, text, url: 'https://acme.test/', sentAt: Date.now() };
    const received = await conversation.receive(session.id, 'socket-1', payload);
    await dispatch.answer(session.id, received.message, payload.url);
  }
  const shown = () =>
    channel.sent(session.id, 'agent_message').map((m) => `${m.author ?? 'agent'}: ${m.text}`);
  const stored = async () =>
    (await store.history.after(session.id, 0)).map((m) => `${m.author}: ${m.text}`);
  return { store, channel, dispatch, session, say, shown, stored, lines };
}

describe('agent dispatch', () => {
  it('posts several times, in order, then what reply returns', async () => {
    const { say, shown, stored } = await setup({
      async reply({ post }) {
        await post({ text: 'One moment…' });
        void post({ text: 'Found it.' });
        return { text: 'The Pro plan is $29.' };
      },
    });
    await say('how much is pro?');
    const answers = ['agent: One moment…', 'agent: Found it.', 'agent: The Pro plan is $29.'];
    expect(shown()).toEqual(answers);
    expect(await stored()).toEqual(['visitor: how much is pro?', ...answers]);
  });

  it('gives the agent the last 50 messages oldest first, and the session without its token', async () => {
    const seen: AgentContext[] = [];
    const { say, session } = await setup({
      async reply(context) {
        seen.push(context);
        return { text: `echo ${context.message.text}` };
      },
    });
    for (let i = 1; i <= 30; i++) await say(`q${i}`);
    const last = seen.at(-1) as AgentContext;
    expect(last.history).toHaveLength(AGENT_HISTORY);
    const seqs = last.history.map((m: ChatMessage) => m.seq ?? 0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(last.history.at(-1)).toMatchObject({ author: 'visitor', text: 'q30' });
    expect(last.history.at(-2)).toMatchObject({ author: 'agent', text: 'echo q29' });
    expect(last.session).toEqual({
      id: session.id,
      siteKey: 'acme',
      visitorId: 'visitor-1',
      createdAt: session.createdAt,
      lastActiveAt: expect.any(Number),
      url: 'https://acme.test/',
    });
    expect(JSON.stringify(last.session)).not.toContain(session.token);
    // Nothing else the agent can reach from its context holds it either.
    expect(JSON.stringify(last)).not.toContain(session.token);
    expect(Object.values(last).some((v) => v === session.token)).toBe(false);
    expect(last.page).toEqual({ url: 'https://acme.test/', title: '' });
  });

  it('typing() shows the indicator in the visitor’s tabs', async () => {
    const { say, channel, session, shown } = await setup({
      async reply({ typing, post }) {
        await post({ text: 'first' });
        typing();
        return { text: 'second' };
      },
    });
    await say('hi');
    const order = channel.calls
      .filter((c) => c.sessionId === session.id)
      .map((c) => (c.event === 'agent_message' ? (c.payload as { text: string }).text : c.event));
    expect(order).toEqual(['first', 'agent_typing', 'second']);
    expect(shown()).toEqual(['agent: first', 'agent: second']);
  });

  it('an agent over its time: a system message, the error logged with the session id (never the token), and the chat goes on', async () => {
    let calls = 0;
    let signal: AbortSignal | undefined;
    let late: Promise<void> | undefined;
    const { say, shown, stored, lines, session } = await setup(
      {
        async reply(context) {
          calls++;
          if (calls === 1) {
            signal = context.signal;
            await new Promise((done) => context.signal.addEventListener('abort', done));
            late = context.post({ text: 'too late' });
            return { text: 'also too late' };
          }
          return { text: 'fine now' };
        },
      },
      { timeoutMs: 50 },
    );
    await say('slow question');
    expect(signal?.aborted).toBe(true);
    await late;
    expect(shown()).toEqual([`system: ${AGENT_FAILED_TEXT}`]);
    const error = lines.find((l) => l.startsWith('error'));
    expect(error).toContain(session.id);
    expect(error).toMatch(/within 50 ms/);
    expect(lines.join('\n')).not.toContain(session.token);

    await say('again?');
    expect(shown()).toEqual([`system: ${AGENT_FAILED_TEXT}`, 'agent: fine now']);
    expect(await stored()).toEqual([
      'visitor: slow question',
      `system: ${AGENT_FAILED_TEXT}`,
      'visitor: again?',
      'agent: fine now',
    ]);
  });

  it('an agent that throws: what it posted stays, then the system message', async () => {
    const { say, shown, lines, session } = await setup({
      async reply({ post }) {
        await post({ text: 'Let me check.' });
        throw new Error('model quota exceeded');
      },
    });
    await say('hi');
    expect(shown()).toEqual(['agent: Let me check.', `system: ${AGENT_FAILED_TEXT}`]);
    expect(lines).toContainEqual(
      `error agent could not answer (session ${session.id}) model quota exceeded`,
    );
  });

  it('an invalid reply counts as a failure; an invalid post rejects for the agent to see', async () => {
    let rejected: unknown;
    const { say, shown } = await setup({
      async reply({ post }) {
        rejected = await post({ text: 42 } as never).catch((error: unknown) => error);
        return 'plain string' as never;
      },
    });
    await say('hi');
    expect(rejected).toBeInstanceOf(TypeError);
    expect(shown()).toEqual([`system: ${AGENT_FAILED_TEXT}`]);
  });

  it('posts after reply returned still arrive', async () => {
    let later: (() => Promise<void>) | undefined;
    const { say, shown } = await setup({
      async reply({ post }) {
        later = () => post({ text: 'later' });
        return null;
      },
    });
    await say('hi');
    expect(shown()).toEqual([]);
    await later?.();
    expect(shown()).toEqual(['agent: later']);
  });

  it('without an agent, messages are stored and wait', async () => {
    const { say, shown, stored } = await setup(undefined);
    await say('anyone there?');
    expect(shown()).toEqual([]);
    expect(await stored()).toEqual(['visitor: anyone there?']);
  });

  it('a closing server aborts the agent: no system message', async () => {
    let signal: AbortSignal | undefined;
    const { say, shown, dispatch } = await setup({
      async reply(context) {
        signal = context.signal;
        await new Promise(() => {});
        return null;
      },
    });
    const answered = say('hi');
    await expect.poll(() => signal).toBeDefined();
    dispatch.abort();
    await answered;
    expect(signal?.aborted).toBe(true);
    expect(shown()).toEqual([]);
  });

  it('a session an operator took over: the agent is not asked until it is handed back', async () => {
    const asked: string[] = [];
    const { say, shown, stored, store, session } = await setup({
      async reply({ message }) {
        asked.push(message.text);
        return { text: `Agent: ${message.text}` };
      },
    });
    await store.sessions.setTakeover(session.id, { by: 'Ada', at: Date.now() });
    await say('is a human there?');
    expect(asked).toEqual([]);
    expect(shown()).toEqual([]);
    expect(await stored()).toEqual(['visitor: is a human there?']);
    await store.sessions.setTakeover(session.id, undefined);
    await say('thanks, bye');
    expect(asked).toEqual(['thanks, bye']);
    expect(shown()).toEqual(['agent: Agent: thanks, bye']);
  });

  it('silence() ends an answer in flight quietly: nothing it posts arrives, no system message', async () => {
    let release: () => void = () => {};
    const started = new Promise<void>((ready) => {
      release = ready;
    });
    let answering = false;
    const { say, shown, dispatch, session, lines } = await setup({
      async reply({ post }) {
        answering = true;
        await started;
        await post({ text: 'too late' });
        return { text: 'also too late' };
      },
    });
    const answered = say('hi');
    await expect.poll(() => answering).toBe(true);
    dispatch.silence('another-session');
    dispatch.silence(session.id);
    release();
    await answered;
    expect(shown()).toEqual([]);
    expect(lines.filter((line) => line.startsWith('error'))).toEqual([]);
  });
});
