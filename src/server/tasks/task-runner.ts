import { nanoid } from 'nanoid';
import {
  type ActionResultPayload,
  type ChatMessage,
  PAGE_STEP_TYPES,
  type PageStep,
  type TaskInfo,
} from '../../protocol/index.js';
import type { Conversation } from '../conversation/conversation.js';
import type { SessionChannel } from '../conversation/session-channel.js';
import type { Logger } from '../logger.js';
import {
  SessionNotFoundError,
  type SessionStore,
  type TaskState,
} from '../stores/session-store.js';
import { checkPlan, type TaskPlan } from './plan.js';
import { taskInfo } from './texts.js';
import {
  createTask,
  MAX_ADVANCES,
  needsSocket,
  needsVisitor,
  type TaskClock,
  type TaskEffect,
  type TaskEvent,
  type Transition,
  transition,
} from './transitions.js';

export interface TaskRunnerOptions {
  store: SessionStore;
  conversation: Conversation;
  channel: SessionChannel;
  now: () => number;
  logger: Logger;
  /** `LEFLUX_TASK_HOLD_MS`: how long a task waits for its page to come back. */
  holdMs: number;
  /** How long an `ask` step waits for the visitor's answer. */
  waitTtlMs: number;
  /** How long a connected widget may take to answer one `action`. Default 60 s. */
  stepTimeoutMs?: number;
  /** The page steps a site allows (its `pageActions` setting); undefined: all. */
  pageActions?: (siteKey: string) => readonly PageStep['type'][] | undefined;
}

/** What `sessionBound` decided; the caller acts on it once the client holds the ack. */
export interface BoundTask {
  /** The task for the ack; null when none (an aborted task's message is in the history). */
  task: TaskInfo | null;
  /** Send `task_aborted` with this after the ack. */
  aborted?: { taskId: string; message: string };
  /** Advance the task after the ack (its next `action` follows the ack). */
  resume: boolean;
}

/**
 * Runs agent tasks: reads what an event needs, applies the pure `transition`, stores the result
 * (versioned) and carries out its effects. Holds no state between calls: all of it is in the
 * `SessionStore`. Callers hold the session's lock around every call; a session that vanished
 * meanwhile makes a call a no-op.
 */
export interface TaskRunner {
  /** Starts `plan` in the session, ending any task still in flight. Null when the plan is invalid. */
  start(sessionId: string, plan: TaskPlan): Promise<TaskInfo | null>;
  /**
   * A socket bound the session from `url` (reload, reconnect, another tab): decides whether the
   * task resumes or ends. Stores, but sends nothing: an abort message goes out in the ack.
   */
  sessionBound(sessionId: string, url: string): Promise<BoundTask>;
  /** Runs the task forward until a step is in flight, it waits or it ends. */
  advance(sessionId: string): Promise<void>;
  /** The widget's answer to an `action` from the session's bound socket. */
  result(sessionId: string, socketId: string, result: ActionResultPayload): Promise<void>;
  /** The session's bound socket went away: a running task is held. */
  socketLost(sessionId: string): Promise<void>;
  /** A visitor message: true when it answered an open `ask` (the agent must not see it). */
  answer(sessionId: string, message: ChatMessage): Promise<boolean>;
  /** The session's task after ending it if its deadline passed (restore, the sweeper). */
  current(sessionId: string): Promise<TaskInfo | null>;
  /**
   * An operator took the session over: the task in flight, if any, ends (`task_aborted`, its
   * open question closed), with no message in the chat.
   */
  stop(sessionId: string): Promise<void>;
}

/**
 * @example
 * const tasks = createTaskRunner({ store, conversation, channel, now, logger, holdMs: 30_000, waitTtlMs: 600_000 });
 * await store.lock.run(sessionId, () => tasks.start(sessionId, plan));
 */
export function createTaskRunner(options: TaskRunnerOptions): TaskRunner {
  const { store, conversation, channel, now, logger, holdMs, waitTtlMs } = options;
  const stepTimeoutMs = options.stepTimeoutMs ?? 60_000;
  const clock = (): TaskClock => ({ now: now(), holdMs, waitTtlMs, stepTimeoutMs });

  /** Runs `work`; a session that vanished meanwhile yields `fallback`. */
  async function guard<T>(fallback: T, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SessionNotFoundError) return fallback;
      throw error;
    }
  }

  /**
   * Stores what `t` made of `before` and carries out its effects. `emit: false` posts chat
   * messages without sending them (the caller delivers them in an ack) and hands the
   * `task_aborted` it would have sent back instead. False when the write lost to a newer one.
   */
  async function apply(
    sessionId: string,
    before: TaskState,
    t: Transition,
    { emit = true } = {},
  ): Promise<{ stored: boolean; aborted?: { taskId: string; message: string } }> {
    if (t.task === null) {
      if (!(await store.tasks.delete(sessionId, before.id))) return { stored: false };
    } else if (t.task !== before && !(await store.tasks.save(sessionId, t.task))) {
      logger.warn(
        `task ${before.id} changed meanwhile; this change was dropped (session ${sessionId})`,
      );
      return { stored: false };
    }
    let aborted: { taskId: string; message: string } | undefined;
    for (const effect of t.effects) {
      if (effect.type === 'aborted' && !emit) {
        aborted = { taskId: effect.taskId, message: effect.message };
      } else {
        await perform(sessionId, effect, emit);
      }
    }
    return { stored: true, aborted };
  }

  async function perform(sessionId: string, effect: TaskEffect, emit: boolean): Promise<void> {
    switch (effect.type) {
      case 'say':
        await conversation.post(
          sessionId,
          { author: 'agent', text: effect.text, ...(effect.asks && { asks: effect.asks }) },
          { emit },
        );
        return;
      case 'action':
        channel.emit(sessionId, 'action', effect.action);
        return;
      case 'done':
        channel.emit(sessionId, 'task_done', { taskId: effect.taskId });
        return;
      case 'aborted':
        channel.emit(sessionId, 'task_aborted', { taskId: effect.taskId, message: effect.message });
        return;
      case 'wait':
        await store.waits.add(sessionId, { id: nanoid(), ...effect.wait });
        return;
      case 'clear_waits':
        await store.waits.clear({ sessionId }, effect.scope);
        return;
      case 'save_visitor':
        await store.visitors.save(sessionId, effect.details);
        return;
      case 'save_value':
        await store.values.save(sessionId, effect.key, effect.value);
        return;
    }
  }

  /** Applies one event to the stored task (if any); resolves with the task left, if any. */
  async function step(
    sessionId: string,
    task: TaskState,
    event: TaskEvent,
  ): Promise<{ task: TaskState | undefined; t: Transition }> {
    const t = transition(task, event, clock());
    const { stored } = await apply(sessionId, task, t);
    return { task: stored ? (t.task ?? undefined) : undefined, t };
  }

  /** Ends the task if its deadline passed or its question was withdrawn; returns what is left. */
  async function check(
    sessionId: string,
    emit = true,
  ): Promise<{ task?: TaskState; aborted?: { taskId: string; message: string } }> {
    const task = await store.tasks.get(sessionId);
    if (!task) return {};
    const waitOpen =
      task.status === 'waiting' &&
      (await store.waits.list({ sessionId })).some(
        (w) => w.taskId === task.id && w.step === task.step,
      );
    const t = transition(task, { type: 'check', waitOpen }, clock());
    if (t.task === task) return { task };
    const { stored, aborted } = await apply(sessionId, task, t, { emit });
    return { task: stored ? (t.task ?? undefined) : undefined, aborted };
  }

  async function advanceFrom(sessionId: string, from: TaskState | undefined): Promise<void> {
    let task = from;
    for (let i = 0; task && i < MAX_ADVANCES; i++) {
      if (task.status !== 'running' || task.sentAt !== undefined) return;
      const connected =
        needsSocket(task) && (await store.sessions.get(sessionId))?.boundSocket !== undefined;
      const visitor = needsVisitor(task) ? await store.visitors.get(sessionId) : {};
      const { task: next, t } = await step(sessionId, task, {
        type: 'advance',
        connected,
        visitor,
      });
      if (!t.more) return;
      task = next;
    }
  }

  return {
    start(sessionId, plan) {
      const checked = checkPlan(plan);
      if (!checked.ok) {
        logger.error(`agent planned an invalid task (session ${sessionId}): ${checked.message}`);
        return Promise.resolve(null);
      }
      return guard(null, async () => {
        const previous = await store.tasks.get(sessionId);
        if (previous) await step(sessionId, previous, { type: 'replaced' });
        const session = await store.sessions.get(sessionId);
        if (!session) return null;
        const allowed = options.pageActions?.(session.siteKey);
        const refused = allowed
          ? checked.plan.steps.find(
              (step) =>
                (PAGE_STEP_TYPES as readonly string[]).includes(step.type) &&
                !(allowed as readonly string[]).includes(step.type),
            )
          : undefined;
        if (refused) {
          logger.error(
            `agent planned a ${refused.type} step, which site ${session.siteKey} does not allow (pageActions); the task is not started (session ${sessionId})`,
          );
          return null;
        }
        const task = createTask(nanoid(), checked.plan, { now: now(), pageUrl: session.url });
        if (!(await store.tasks.save(sessionId, task))) return null;
        await advanceFrom(sessionId, task);
        const after = await store.tasks.get(sessionId);
        return after ? taskInfo(after) : null;
      });
    },

    sessionBound(sessionId, url) {
      return guard<BoundTask>({ task: null, resume: false }, async () => {
        const checked = await check(sessionId, false);
        if (checked.aborted) return { task: null, aborted: checked.aborted, resume: false };
        const { task } = checked;
        if (!task) return { task: null, resume: false };
        const t = transition(task, { type: 'bound', url }, clock());
        const { stored, aborted } = await apply(sessionId, task, t, { emit: false });
        if (aborted) return { task: null, aborted, resume: false };
        if (!stored || !t.task) return { task: null, resume: false };
        return { task: taskInfo(t.task), resume: true };
      });
    },

    advance(sessionId) {
      return guard(undefined, async () => advanceFrom(sessionId, await store.tasks.get(sessionId)));
    },

    result(sessionId, socketId, result) {
      return guard(undefined, async () => {
        const task = await store.tasks.get(sessionId);
        if (task?.id !== result.taskId) return;
        const session = await store.sessions.get(sessionId);
        // Only the holder speaks for the session; an older tab's late result is ignored.
        if (session?.boundSocket !== socketId) return;
        const { task: next, t } = await step(sessionId, task, {
          type: 'result',
          result,
          sessionUrl: session.url,
        });
        if (t.more) await advanceFrom(sessionId, next);
      });
    },

    socketLost(sessionId) {
      return guard(undefined, async () => {
        const task = await store.tasks.get(sessionId);
        if (task) await step(sessionId, task, { type: 'socket_lost' });
      });
    },

    answer(sessionId, message) {
      return guard(false, async () => {
        const { task } = await check(sessionId);
        if (!task) return false;
        const wait = await store.waits.take(sessionId);
        if (!wait) return false;
        const { task: next, t } = await step(sessionId, task, {
          type: 'answer',
          text: message.text,
          wait,
        });
        if (t.more) await advanceFrom(sessionId, next);
        return t.handled ?? false;
      });
    },

    stop(sessionId) {
      return guard(undefined, async () => {
        const task = await store.tasks.get(sessionId);
        if (task) await step(sessionId, task, { type: 'taken_over' });
      });
    },

    current(sessionId) {
      return guard(null, async () => {
        const { task } = await check(sessionId);
        return task ? taskInfo(task) : null;
      });
    },
  };
}
