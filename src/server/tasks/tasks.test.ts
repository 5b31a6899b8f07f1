// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import type {
  ActionPayload,
  RestoreResponse,
  ServerToClientEvents,
  SessionInitOk,
  SessionInitPayload,
} from '../../protocol/index.js';
import type { Agent, AgentContext, TaskPlan } from '../agent/agent.js';
import { createDemoAgent } from '../agent/demo-agent.js';
import { openSqliteMessageLog } from '../log/sqlite-log.js';
import { silentLogger } from '../logger.js';
import { openTestSocket, type TestSocket } from '../realtime/test-socket.js';
import { type LeFluxServer, startServer } from '../server.js';
import { createMemorySessionStore } from '../stores/memory-store.js';
import type { SessionStore } from '../stores/session-store.js';
import { TASK_MESSAGES } from './texts.js';

type ClientSocket = TestSocket;
type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

const ORIGIN = 'https://acme.test';
const HOLD = 5_000;
const WAIT_TTL = 20_000;
const IDLE_TTL = 10 * 60_000;
const INTERRUPTED = 'We got interrupted by a reload — what next?';

let clock = 1_000_000;
let store: SessionStore;
let server: LeFluxServer & { url: string };
let agentCalls: string[];
const sockets: ClientSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await server?.close();
});

/** Plans for test-only phrases; everything else goes to the demo agent. */
const SCRIPTED: Record<string, TaskPlan> = {
  'bad selector': {
    label: 'Pointing at something missing',
    steps: [
      { type: 'scroll', selector: 'main' },
      { type: 'highlight', selector: '#does-not-exist' },
      { type: 'say', text: 'never said' },
    ],
  },
  'two steps': {
    label: 'Two steps',
    steps: [
      { type: 'highlight', selector: 'h1' },
      { type: 'scroll', selector: 'footer' },
    ],
  },
  'off site': {
    label: 'Leaving',
    steps: [{ type: 'navigate', url: 'https://elsewhere.test/' }],
  },
};

async function start({ sweepIntervalMs = 20 } = {}) {
  clock = 1_000_000;
  const now = () => clock;
  store = createMemorySessionStore({ idleTtlMs: IDLE_TTL, now });
  agentCalls = [];
  const demo = createDemoAgent();
  const agent: Agent = {
    async reply(context: AgentContext) {
      agentCalls.push(context.message.text);
      const task = SCRIPTED[context.message.text];
      return task ? { text: 'On it.', task } : demo.reply(context);
    },
  };
  server = await startServer({
    idleTtlMs: IDLE_TTL,
    taskHoldMs: HOLD,
    waitTtlMs: WAIT_TTL,
    sweepIntervalMs,
    store,
    log: openSqliteMessageLog(':memory:'),
    now,
    agent,
    logger: silentLogger,
  });
}

/** A connected socket that records every server event, so none is missed between awaits. */
interface Widget {
  socket: ClientSocket;
  /** The next event of that name not yet taken (waits up to 2 s). */
  next<E extends EventName>(event: E): Promise<Payload<E>>;
  /** Events of that name not taken yet. */
  pending(event: EventName): unknown[];
  init(path: string, extra?: Partial<SessionInitPayload>): Promise<SessionInitOk>;
  send(id: string, text: string, path?: string): Promise<void>;
  result(action: ActionPayload, ok?: boolean, detail?: string): void;
  /** A reload: this socket goes away. */
  drop(): Promise<void>;
}

async function widget(): Promise<Widget> {
  const inbox: { event: string; payload: unknown }[] = [];
  const waiters: { event: string; done: (payload: unknown) => void }[] = [];
  const socket = await openTestSocket(server.url, sockets, {
    setup: (s) =>
      s.onAny((event: string, payload: unknown) => {
        const waiter = waiters.findIndex((w) => w.event === event);
        if (waiter >= 0) waiters.splice(waiter, 1)[0]!.done(payload);
        else inbox.push({ event, payload });
      }),
  });
  let page = '/';
  let sessionId: string | undefined;
  return {
    socket,
    next(event) {
      const index = inbox.findIndex((e) => e.event === event);
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0]!.payload as never);
      return new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no ${event} within 2 s`)), 2000);
        waiters.push({
          event,
          done: (payload) => {
            clearTimeout(timer);
            done(payload as never);
          },
        });
      });
    },
    pending: (event) => inbox.filter((e) => e.event === event).map((e) => e.payload),
    async init(path, extra = {}) {
      page = path;
      const ack = await socket
        .timeout(2000)
        .emitWithAck('session_init', { siteKey: 'acme', url: ORIGIN + path, title: '', ...extra });
      if (!ack.ok) throw new Error(`session_init failed: ${ack.error.code}`);
      sessionId = ack.sessionId;
      return ack;
    },
    async send(id, text, path = page) {
      const ack = await socket
        .timeout(2000)
        .emitWithAck('visitor_message', { id, text, url: ORIGIN + path, sentAt: clock });
      if (!ack.ok) throw new Error(`visitor_message failed: ${ack.error.code}`);
    },
    result(action, ok = true, detail) {
      socket.emit('action_result', { taskId: action.taskId, step: action.step, ok, detail });
    },
    async drop() {
      const id = socket.id;
      socket.disconnect();
      // The server has seen it once the session is no longer bound to this socket.
      if (sessionId !== undefined) {
        const session = sessionId;
        await expect
          .poll(async () => (await store.sessions.get(session))?.boundSocket === id, {
            timeout: 1000,
          })
          .toBe(false);
      }
      await server.drain();
    },
  };
}

/** Opens a widget on `path` with a new session. */
async function visitor(path = '/') {
  const w = await widget();
  const ack = await w.init(path);
  return { w, sessionId: ack.sessionId, token: ack.token };
}

/** The re-mounted widget after a reload: a new socket resuming the session from `path`. */
async function reloaded(session: { sessionId: string; token: string }, path: string) {
  const w = await widget();
  const ack = await w.init(path, { sessionId: session.sessionId, token: session.token });
  return { w, ack };
}

/** Waits until the server has taken the navigate result: the task is held at the next step. */
async function navigated(sessionId: string) {
  await expect
    .poll(async () => {
      const task = await store.tasks.get(sessionId);
      return `${task?.status} ${task?.step}`;
    })
    .toBe('held 1');
}

/**
 * A visitor on / asks for pricing; the page reports the navigate step done and unloads: the
 * task is held at its next step, waiting for the page to come back.
 */
async function heldAfterNavigate() {
  const session = await visitor('/');
  await session.w.send('m1', 'show me pricing');
  const navigate = await session.w.next('action');
  session.w.result(navigate);
  await navigated(session.sessionId);
  await session.w.drop();
  return { session, navigate };
}

const texts = async (sessionId: string) =>
  (await store.history.after(sessionId, 0)).map((m) => `${m.author}: ${m.text}`);

async function restore(session: { sessionId: string; token: string }): Promise<RestoreResponse> {
  const res = await fetch(`${server.url}/api/session/${session.sessionId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: session.token }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as RestoreResponse;
}

describe('a task across a reload', () => {
  it('"show me pricing": navigates, resumes on the expected page after the reload, finishes', async () => {
    await start();
    const session = await visitor('/');
    await session.w.send('m1', 'show me pricing');
    expect((await session.w.next('agent_message')).text).toMatch(/show you our plans/);

    const navigate = await session.w.next('action');
    expect(navigate).toMatchObject({
      type: 'navigate',
      step: 0,
      url: '/pricing.html',
      expectUrl: '/pricing.html',
      label: 'Opening the pricing page',
    });
    session.w.result(navigate);
    await navigated(session.sessionId);
    await session.w.drop();

    // While the page reloads, restore reports the held task.
    expect((await restore(session)).task).toMatchObject({
      id: navigate.taskId,
      step: 1,
      status: 'held',
      label: 'Showing you our pricing',
      stepLabel: 'Highlighting the Pro plan',
      steps: 3,
    });

    clock += HOLD - 1;
    const { w, ack } = await reloaded(session, '/pricing.html?ref=chat#top');
    expect(ack.task).toMatchObject({ id: navigate.taskId, step: 1, status: 'running' });
    const highlight = await w.next('action');
    expect(highlight).toMatchObject({
      taskId: navigate.taskId,
      step: 1,
      type: 'highlight',
      selector: '#plan-pro',
    });
    w.result(highlight);
    expect((await w.next('agent_message')).text).toMatch(/Pro plan is \$29\/month/);
    expect(await w.next('task_done')).toEqual({ taskId: navigate.taskId });

    expect(await store.tasks.get(session.sessionId)).toBeUndefined();
    expect(await texts(session.sessionId)).toEqual([
      'visitor: show me pricing',
      'agent: Sure, let me show you our plans.',
      expect.stringMatching(/^agent: Here are our plans/),
    ]);
    expect((await restore(session)).task).toBeNull();
  });

  it('resumes even when the navigate result was lost in the reload', async () => {
    await start();
    const session = await visitor('/');
    await session.w.send('m1', 'show me pricing');
    const navigate = await session.w.next('action');
    await session.w.drop(); // The page unloaded before the result went out.

    const { w, ack } = await reloaded(session, '/pricing.html');
    expect(ack.task).toMatchObject({ step: 1, status: 'running' });
    expect(await w.next('action')).toMatchObject({ taskId: navigate.taskId, step: 1 });
  });

  it('aborts when the reload lands elsewhere: message in the ack, task_aborted, in history', async () => {
    await start();
    const { session, navigate } = await heldAfterNavigate();

    const { w, ack } = await reloaded(session, '/contact.html');
    expect(ack.task).toBeNull();
    expect(ack.missed.at(-1)).toMatchObject({ author: 'agent', text: INTERRUPTED });
    expect(await w.next('task_aborted')).toEqual({ taskId: navigate.taskId, message: INTERRUPTED });
    expect(w.pending('action')).toEqual([]);
    expect((await texts(session.sessionId)).at(-1)).toBe(`agent: ${INTERRUPTED}`);
    expect(await store.tasks.get(session.sessionId)).toBeUndefined();
  });

  it('re-sends the step in flight when the same page reconnects', async () => {
    await start();
    const session = await visitor('/pricing.html');
    await session.w.send('m1', 'two steps');
    const first = await session.w.next('action');
    await session.w.drop(); // A network blip: no result.

    const { w, ack } = await reloaded(session, '/pricing.html');
    expect(ack.task).toMatchObject({ step: 0, status: 'running' });
    const again = await w.next('action');
    expect(again).toEqual(first);
    w.result(again);
    expect(await w.next('action')).toMatchObject({ step: 1, type: 'scroll', selector: 'footer' });
  });
});

describe('holding a task while nobody is connected', () => {
  it('the sweeper aborts it after the hold; the message waits in the history', async () => {
    await start();
    const { session } = await heldAfterNavigate();

    clock += HOLD - 1;
    await new Promise((done) => setTimeout(done, 60));
    expect((await store.tasks.get(session.sessionId))?.status).toBe('held');

    clock += 1;
    await expect
      .poll(async () => (await texts(session.sessionId)).at(-1), { timeout: 1000 })
      .toBe(`agent: ${INTERRUPTED}`);
    const restored = await restore(session);
    expect(restored.task).toBeNull();
    expect(restored.history.at(-1)).toMatchObject({ author: 'agent', text: INTERRUPTED });
  });

  it('decides on access without the sweeper: restore, then session_init from the right page', async () => {
    await start({ sweepIntervalMs: 60_000 });
    const { session } = await heldAfterNavigate();

    clock += HOLD;
    const restored = await restore(session);
    expect(restored.task).toBeNull();
    expect(restored.history.at(-1)).toMatchObject({ text: INTERRUPTED });

    // Back on the expected page, but too late: nothing resumes.
    const { w, ack } = await reloaded(session, '/pricing.html');
    expect(ack.task).toBeNull();
    await new Promise((done) => setTimeout(done, 50));
    expect(w.pending('action')).toEqual([]);
  });

  it('a hold that ran out is aborted by session_init too', async () => {
    await start({ sweepIntervalMs: 60_000 });
    const { session, navigate } = await heldAfterNavigate();

    clock += HOLD;
    const { w, ack } = await reloaded(session, '/pricing.html');
    expect(ack.task).toBeNull();
    expect(ack.missed.at(-1)).toMatchObject({ author: 'agent', text: INTERRUPTED });
    expect(await w.next('task_aborted')).toEqual({ taskId: navigate.taskId, message: INTERRUPTED });
  });

  it('a connected widget that never answers an action times the step out', async () => {
    await start();
    const session = await visitor('/pricing.html');
    await session.w.send('m1', 'two steps');
    const action = await session.w.next('action');
    clock += 60_000;
    expect(await session.w.next('task_aborted')).toEqual({
      taskId: action.taskId,
      message: TASK_MESSAGES.noResult,
    });
    expect((await texts(session.sessionId)).at(-1)).toBe(`agent: ${TASK_MESSAGES.noResult}`);
  });
});

describe('failing steps', () => {
  it('a selector that matches nothing ends the task and the agent says so', async () => {
    await start();
    const session = await visitor('/pricing.html');
    await session.w.send('m1', 'bad selector');
    const scroll = await session.w.next('action');
    expect(scroll).toMatchObject({ step: 0, type: 'scroll', label: 'Scrolling to main' });
    session.w.result(scroll);
    const highlight = await session.w.next('action');
    session.w.result(highlight, false, 'no element matches #does-not-exist');

    const expected =
      'Sorry, I could not finish that: highlighting #does-not-exist did not work (no element matches #does-not-exist). What next?';
    const said = [await session.w.next('agent_message'), await session.w.next('agent_message')];
    expect(said.map((m) => m.text)).toEqual(['On it.', expected]);
    expect(await session.w.next('task_aborted')).toEqual({
      taskId: highlight.taskId,
      message: expected,
    });
    expect((await texts(session.sessionId)).at(-1)).toBe(`agent: ${expected}`);
    expect(await store.tasks.get(session.sessionId)).toBeUndefined();
    expect(session.w.pending('action')).toEqual([]);
  });

  it('ignores stale and repeated results', async () => {
    await start();
    const session = await visitor('/pricing.html');
    await session.w.send('m1', 'two steps');
    const first = await session.w.next('action');
    session.w.result({ ...first, step: 1 });
    session.w.result({ ...first, taskId: 'other' });
    await server.drain();
    expect((await store.tasks.get(session.sessionId))?.step).toBe(0);
    session.w.result(first);
    session.w.result(first);
    expect(await session.w.next('action')).toMatchObject({ step: 1 });
    await server.drain();
    expect(session.w.pending('action')).toEqual([]);
  });

  it('refuses a navigation off the site before sending it', async () => {
    await start();
    const session = await visitor('/');
    await session.w.send('m1', 'off site');
    expect(await session.w.next('task_aborted')).toMatchObject({
      message: expect.stringMatching(/https:\/\/elsewhere\.test\/ is not on this site/),
    });
    expect(session.w.pending('action')).toEqual([]);
  });
});

describe('ask steps', () => {
  it('"contact me": asks for what is missing, answers resume the task (not the agent), fills the form', async () => {
    await start();
    const session = await visitor('/contact.html');
    await session.w.send('m1', 'contact me');
    expect((await session.w.next('agent_message')).text).toMatch(/fill in the contact form/);
    // The question names the detail it wants, so the widget can offer a matching input.
    expect(await session.w.next('agent_message')).toMatchObject({
      text: 'What is your name?',
      asks: 'name',
    });
    expect((await restore(session)).task).toMatchObject({ status: 'waiting', step: 0 });
    expect(await store.waits.list({ sessionId: session.sessionId })).toMatchObject([
      { scope: 'contact', question: 'What is your name?' },
    ]);

    await session.w.send('m2', '  Ada Lovelace ');
    expect((await session.w.next('agent_message')).text).toBe('Which email address should we use?');
    await session.w.send('m3', 'not an email');
    expect((await session.w.next('agent_message')).text).toBe(
      'That does not look like a valid email: it must be an address like name@example.com. Which email address should we use?',
    );
    await session.w.send('m4', 'ada@example.com');
    expect((await session.w.next('agent_message')).text).toBe('And your phone number?');
    await session.w.send('m5', '+44 20 7946 0000');

    const fills: ActionPayload[] = [];
    for (let i = 0; i < 3; i++) {
      const fill = await session.w.next('action');
      fills.push(fill);
      session.w.result(fill);
    }
    expect(fills).toMatchObject([
      { type: 'fill', selector: '#name', field: 'name', value: 'Ada Lovelace' },
      { type: 'fill', selector: '#email', field: 'email', value: 'ada@example.com' },
      { type: 'fill', selector: '#phone', field: 'phone', value: '+44 20 7946 0000' },
    ]);
    expect((await session.w.next('agent_message')).text).toMatch(/^Done: the contact form/);
    await session.w.next('task_done');

    expect(agentCalls).toEqual(['contact me']);
    expect(await store.visitors.get(session.sessionId)).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
    });
    expect(await store.waits.list({ sessionId: session.sessionId })).toEqual([]);
  });

  it('keeps waiting across a reconnect, and uses details the widget already had', async () => {
    await start();
    const first = await widget();
    const started = await first.init('/contact.html', { contact: { name: 'Ada', phone: '' } });
    const session = { sessionId: started.sessionId, token: started.token };
    await first.send('m1', 'contact me');
    await first.next('agent_message');
    expect((await first.next('agent_message')).text).toBe('Which email address should we use?');
    await first.drop();

    clock += HOLD * 2; // Longer than a hold: a question waits for its own TTL.
    const { w, ack } = await reloaded(session, '/contact.html');
    expect(ack.task).toMatchObject({ status: 'waiting', stepLabel: 'Waiting for your answer' });
    await w.send('m2', 'ada@example.com');
    expect((await w.next('agent_message')).text).toBe('And your phone number?');
    await w.send('m3', '0123 456 789');
    const name = await w.next('action');
    expect(name).toMatchObject({ selector: '#name', value: 'Ada' });
    expect(agentCalls).toEqual(['contact me']);
  });

  it('a question unanswered within its TTL ends the task; the next message goes to the agent', async () => {
    await start();
    const session = await visitor('/contact.html');
    await session.w.send('m1', 'contact me');
    await session.w.next('agent_message');
    await session.w.next('agent_message');

    clock += WAIT_TTL;
    const aborted = await session.w.next('task_aborted');
    expect(aborted.message).toBe(TASK_MESSAGES.noAnswer);
    expect(await store.waits.list({ sessionId: session.sessionId })).toEqual([]);

    await session.w.send('m2', 'Ada');
    await session.w.next('agent_message'); // the no-answer message
    expect((await session.w.next('agent_message')).text).toMatch(/did not understand/);
    expect(agentCalls).toEqual(['contact me', 'Ada']);
  });

  it('the visitor can cancel instead of answering', async () => {
    await start();
    const session = await visitor('/contact.html');
    await session.w.send('m1', 'contact me');
    await session.w.next('agent_message');
    await session.w.next('agent_message');
    await session.w.send('m2', 'never mind');
    expect((await session.w.next('agent_message')).text).toBe(TASK_MESSAGES.cancelled);
    await session.w.next('task_aborted');
    expect(agentCalls).toEqual(['contact me']);
    expect(await store.tasks.get(session.sessionId)).toBeUndefined();
  });

  it('a wait cleared by agent code ends the task on the next access', async () => {
    await start();
    const session = await visitor('/contact.html');
    await session.w.send('m1', 'contact me');
    await session.w.next('agent_message');
    await session.w.next('agent_message');
    expect(await store.waits.clear({ sessionId: session.sessionId }, 'contact')).toBe(1);
    expect((await restore(session)).task).toBeNull();
    expect(await session.w.next('task_aborted')).toMatchObject({
      message: TASK_MESSAGES.withdrawn,
    });
  });

  it('a waiting task ends when the visitor comes back on another page', async () => {
    await start();
    const session = await visitor('/contact.html');
    await session.w.send('m1', 'contact me');
    await session.w.next('agent_message');
    await session.w.next('agent_message');
    await session.w.drop();
    const { w, ack } = await reloaded(session, '/pricing.html');
    expect(ack.task).toBeNull();
    expect(await w.next('task_aborted')).toMatchObject({ message: INTERRUPTED });
    expect(await store.waits.list({ sessionId: session.sessionId })).toEqual([]);
  });
});

describe('one task per session', () => {
  it('a new task replaces the one in flight', async () => {
    await start();
    const session = await visitor('/pricing.html');
    await session.w.send('m1', 'two steps');
    const old = await session.w.next('action');
    await session.w.send('m2', 'bad selector');
    expect(await session.w.next('task_aborted')).toEqual({
      taskId: old.taskId,
      message: TASK_MESSAGES.replaced,
    });
    const fresh = await session.w.next('action');
    expect(fresh.taskId).not.toBe(old.taskId);
    session.w.result(old); // The old task's late result changes nothing.
    await server.drain();
    expect((await store.tasks.get(session.sessionId))?.id).toBe(fresh.taskId);
  });
});
