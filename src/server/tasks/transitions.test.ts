import { describe, expect, it } from 'vitest';
import type { TaskStep } from '../../protocol/index.js';
import type { TaskState, WaitRecord } from '../stores/session-store.js';
import { TASK_MESSAGES } from './texts.js';
import { createTask, type TaskClock, type TaskEvent, transition } from './transitions.js';

const clock: TaskClock = { now: 10_000, holdMs: 500, waitTtlMs: 2_000, stepTimeoutMs: 1_000 };
const PAGE = 'https://acme.test/';

function task(steps: TaskStep[], over: Partial<TaskState> = {}): TaskState {
  return { ...createTask('t1', { label: 'Test', steps }, { now: 0, pageUrl: PAGE }), ...over };
}

const advance = (t: TaskState, over: Partial<Extract<TaskEvent, { type: 'advance' }>> = {}) =>
  transition(t, { type: 'advance', connected: true, visitor: {}, ...over }, clock);

const wait = (t: TaskState, over: Partial<WaitRecord> = {}): WaitRecord => ({
  id: 'w1',
  sessionId: 's1',
  siteKey: 'acme',
  scope: 'contact',
  question: 'Your email?',
  taskId: t.id,
  step: t.step,
  createdAt: 0,
  expiresAt: 99_999,
  ...over,
});

describe('task transitions', () => {
  it('advance: say posts and moves on; each change is the next version', () => {
    const t = task([{ type: 'say', text: 'Hello' }]);
    const next = advance(t);
    expect(next).toMatchObject({
      task: { step: 1, version: 2, updatedAt: clock.now },
      effects: [{ type: 'say', text: 'Hello' }],
      more: true,
    });
    // Past the last step: done.
    expect(advance(next.task as TaskState)).toEqual({
      task: null,
      effects: [{ type: 'done', taskId: 't1' }],
    });
  });

  it('advance: a page step goes out with a deadline, or the task is held without a socket', () => {
    const t = task([{ type: 'highlight', selector: '#plan-pro' }]);
    expect(advance(t)).toMatchObject({
      task: { sentAt: clock.now, deadline: clock.now + clock.stepTimeoutMs },
      effects: [
        {
          type: 'action',
          action: { type: 'highlight', selector: '#plan-pro', taskId: 't1', step: 0 },
        },
      ],
    });
    expect(advance(t, { connected: false })).toMatchObject({
      task: { status: 'held', deadline: clock.now + clock.holdMs },
      effects: [],
    });
    // A step in flight is not sent twice.
    const sent = advance(t).task as TaskState;
    expect(advance(sent).task).toBe(sent);
  });

  it('advance: a navigation off the site fails before it is sent; fill uses the known detail', () => {
    const off = advance(task([{ type: 'navigate', url: 'https://elsewhere.test/' }]));
    expect(off.task).toBeNull();
    expect(off.effects.map((e) => e.type)).toEqual(['say', 'aborted']);
    expect(off.effects[0]).toMatchObject({ text: expect.stringContaining('is not on this site') });
    const fill = advance(task([{ type: 'fill', selector: '#email', field: 'email' }]), {
      visitor: { email: 'ada@example.com' },
    });
    expect(fill.effects[0]).toMatchObject({ action: { value: 'ada@example.com' } });
  });

  it('advance: ask opens a question, or skips it when the detail is known', () => {
    const t = task([{ type: 'ask', question: 'Your email?', scope: 'contact', field: 'email' }]);
    expect(advance(t)).toMatchObject({
      task: { status: 'waiting', deadline: clock.now + clock.waitTtlMs },
      effects: [
        { type: 'say', text: 'Your email?', asks: 'email' },
        { type: 'wait', wait: { scope: 'contact', taskId: 't1', step: 0 } },
      ],
    });
    expect(advance(t, { visitor: { email: 'a@b.co' } })).toMatchObject({
      task: { step: 1 },
      effects: [],
      more: true,
    });
  });

  it('check: a deadline ends the task with the message for its state; a withdrawn question too', () => {
    const due = { deadline: clock.now };
    for (const [status, message] of [
      ['held', TASK_MESSAGES.interrupted],
      ['waiting', TASK_MESSAGES.noAnswer],
      ['running', TASK_MESSAGES.noResult],
    ] as const) {
      const t = task([{ type: 'say', text: 'x' }], { status, ...due });
      expect(transition(t, { type: 'check', waitOpen: true }, clock).effects).toContainEqual({
        type: 'aborted',
        taskId: 't1',
        message,
      });
    }
    const waiting = task([{ type: 'ask', question: 'Q?', scope: 'contact' }], {
      status: 'waiting',
    });
    expect(transition(waiting, { type: 'check', waitOpen: true }, clock).task).toBe(waiting);
    expect(transition(waiting, { type: 'check', waitOpen: false }, clock)).toEqual({
      task: null,
      effects: [
        { type: 'clear_waits', scope: 'contact' },
        { type: 'aborted', taskId: 't1', message: TASK_MESSAGES.withdrawn },
      ],
    });
  });

  it('bound: the expected page resumes the next step; the same page resends; another ends it', () => {
    const navigate: TaskStep = { type: 'navigate', url: '/pricing.html' };
    const inFlight = task([navigate, { type: 'say', text: 'here' }], { sentAt: 1 });
    const there = transition(
      inFlight,
      { type: 'bound', url: 'https://acme.test/pricing.html' },
      clock,
    );
    expect(there.task).toMatchObject({ step: 1, status: 'running', sentAt: undefined });
    const same = transition(inFlight, { type: 'bound', url: PAGE }, clock);
    expect(same.task).toMatchObject({ step: 0, status: 'running', sentAt: undefined });
    const elsewhere = transition(
      inFlight,
      { type: 'bound', url: 'https://acme.test/contact.html' },
      clock,
    );
    expect(elsewhere.task).toBeNull();
    expect(elsewhere.effects).toEqual([
      { type: 'say', text: TASK_MESSAGES.interrupted },
      { type: 'aborted', taskId: 't1', message: TASK_MESSAGES.interrupted },
    ]);
  });

  it('result: stale ones change nothing; a failure ends the task; a page change holds it', () => {
    const t = task(
      [
        { type: 'navigate', url: '/pricing.html' },
        { type: 'say', text: 'x' },
      ],
      {
        sentAt: 1,
      },
    );
    const result = (over = {}) =>
      transition(
        t,
        { type: 'result', result: { taskId: 't1', step: 0, ok: true, ...over } },
        clock,
      );
    expect(result({ step: 3 }).task).toBe(t);
    expect(result({ taskId: 'other' }).task).toBe(t);
    expect(result({ ok: false, detail: 'no such element' }).effects[0]).toMatchObject({
      type: 'say',
      text: expect.stringContaining('no such element'),
    });
    expect(result().task).toMatchObject({
      step: 1,
      status: 'held',
      deadline: clock.now + clock.holdMs,
      pageUrl: 'https://acme.test/pricing.html',
    });
  });

  it('socket_lost holds a running task only', () => {
    const running = task([{ type: 'scroll', selector: 'main' }]);
    expect(transition(running, { type: 'socket_lost' }, clock).task).toMatchObject({
      status: 'held',
    });
    const waiting = task([{ type: 'ask', question: 'Q?', scope: 's' }], { status: 'waiting' });
    expect(transition(waiting, { type: 'socket_lost' }, clock).task).toBe(waiting);
  });

  it('answer: a valid detail is kept and the task goes on; a bad one asks again; cancel ends it', () => {
    const t = task(
      [
        { type: 'ask', question: 'Your email?', scope: 'contact', field: 'email' },
        { type: 'say', text: 'thanks' },
      ],
      { status: 'waiting' },
    );
    const answer = (text: string, w = wait(t)) =>
      transition(t, { type: 'answer', text, wait: w }, clock);
    expect(answer('ada@example.com')).toMatchObject({
      task: { step: 1, status: 'running' },
      effects: [{ type: 'save_visitor', details: { email: 'ada@example.com' } }],
      handled: true,
      more: true,
    });
    const bad = answer('not an email');
    expect(bad).toMatchObject({ task: { step: 0, status: 'waiting' }, handled: true });
    expect(bad.effects.map((e) => e.type)).toEqual(['say', 'wait']);
    expect(answer('cancel')).toMatchObject({ task: null, handled: true });
    // A wait of another task or step is not an answer: the agent gets the message.
    expect(answer('ada@example.com', wait(t, { taskId: 'old' }))).toMatchObject({
      task: t,
      handled: false,
    });
  });

  it('an operator taking over ends the task without a chat message, closing its question', () => {
    const waiting = task([{ type: 'ask', question: 'Your email?', scope: 'contact' }], {
      status: 'waiting',
    });
    expect(transition(waiting, { type: 'taken_over' }, clock)).toEqual({
      task: null,
      effects: [
        { type: 'clear_waits', scope: 'contact' },
        { type: 'aborted', taskId: 't1', message: TASK_MESSAGES.takenOver },
      ],
    });
  });

  it('replaced ends the task without a chat message', () => {
    const t = task([{ type: 'say', text: 'x' }]);
    expect(transition(t, { type: 'replaced' }, clock)).toEqual({
      task: null,
      effects: [{ type: 'aborted', taskId: 't1', message: TASK_MESSAGES.replaced }],
    });
  });
});
