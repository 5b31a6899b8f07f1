import { nanoid } from 'nanoid';
import {
  type ActionPayload,
  type ActionResultPayload,
  type ChatMessage,
  LIMITS,
  type PageStep,
  type TaskInfo,
  type TaskStep,
  validateContact,
  validateTaskStep,
} from '../../protocol/index.js';
import type { TaskPlan } from '../agent/agent.js';
import type { Conversation } from '../gateway/conversation.js';
import type { LeFluxIo } from '../gateway/gateway.js';
import type { Logger } from '../logger.js';
import { createLocalSessionLock } from '../stores/session-lock.js';
import {
  SessionNotFoundError,
  type SessionStore,
  type TaskState,
} from '../stores/session-store.js';
import { resolveUrl, urlMatches } from './page-url.js';

export interface TaskRunnerOptions {
  io: LeFluxIo;
  store: SessionStore;
  conversation: Conversation;
  now: () => number;
  logger: Logger;
  /** `LEFLUX_TASK_HOLD_MS`: how long a task waits for its page to come back. */
  holdMs: number;
  /** How long an `ask` step waits for the visitor's answer. */
  waitTtlMs: number;
  /** How long a connected widget may take to answer one `action`. Default 60 s. */
  stepTimeoutMs?: number;
}

/** What the agent says when a task ends early. `interrupted` is part of the public contract. */
export const TASK_MESSAGES = {
  interrupted: 'We got interrupted by a reload — what next?',
  noResult: 'The page did not respond, so I stopped. What next?',
  noAnswer: 'I stopped waiting for your answer. Ask me again whenever you like.',
  cancelled: 'OK, I stopped.',
  withdrawn: 'The question was withdrawn, so I stopped.',
  replaced: 'Stopped to start something else.',
  failed: (stepLabel: string, detail: string) =>
    `Sorry, I could not finish that: ${stepLabel} did not work (${detail}). What next?`,
  badAnswer: (field: string, hint: string, question: string) =>
    `That does not look like a valid ${field}: it must be ${hint}. ${question}`,
} as const;

/** An answer to an `ask` that ends the task instead. */
const CANCEL = /^(cancel|stop|abort|never ?mind|forget (it|about it))\b/i;

/** What `sessionBound` decided, and what to send once the client holds the `session_init` ack. */
export interface BoundTask {
  task: TaskInfo | null;
  /** Sends `task_aborted` or the next `action`, as decided. Call after acking. */
  after(): void;
}

/**
 * Runs agent tasks. All task state is in the `SessionStore`; this holds none between calls.
 * Every change of one session's task runs in order on one queue, so a result, a reconnect
 * and the sweeper never interleave.
 */
export interface TaskRunner {
  /** Starts `plan` in the session, ending any task still in flight. Null when the plan is invalid. */
  start(sessionId: string, plan: TaskPlan): Promise<TaskInfo | null>;
  /**
   * A socket bound the session from `url` (reload, reconnect, another tab): resumes the task
   * when `url` is where it expected the visitor, else aborts it. Stores, but emits nothing
   * until `after()`: an abort message goes out in the ack's `missed`.
   */
  sessionBound(sessionId: string, url: string): Promise<BoundTask>;
  /** The widget's answer to an `action` from the session's bound socket. */
  result(sessionId: string, socketId: string, result: ActionResultPayload): Promise<void>;
  /** The session's bound socket went away: a running task is held. */
  socketLost(sessionId: string): Promise<void>;
  /** A visitor message: true when it answered an open `ask` (the agent must not see it). */
  answer(sessionId: string, message: ChatMessage): Promise<boolean>;
  /** The session's task after ending it if its deadline passed (for restore). */
  current(sessionId: string): Promise<TaskInfo | null>;
  /** Ends the tasks whose deadline passed at `now` (the sweeper's round). */
  sweep(now: number): Promise<void>;
  /** Runs `work` with no task change of the session in between (purge). */
  exclusive<T>(sessionId: string, work: () => Promise<T>): Promise<T>;
  /** Resolves when queued task work has settled. */
  idle(): Promise<void>;
}

/** The default line shown while a step runs. */
export function stepLabel(step: TaskStep | undefined): string {
  if (!step) return '';
  if (step.label) return step.label;
  switch (step.type) {
    case 'navigate':
      return `Opening ${step.url}`;
    case 'highlight':
      return `Highlighting ${step.selector}`;
    case 'fill':
      return `Filling in ${step.field ?? step.selector}`;
    case 'click':
      return `Clicking ${step.selector}`;
    case 'scroll':
      return `Scrolling to ${step.selector}`;
    case 'say':
      return 'Writing a message';
    case 'ask':
      return 'Waiting for your answer';
  }
}

/** The URL a page-changing step leads to; undefined for steps that stay on the page. */
function leadsTo(step: TaskStep | undefined): string | undefined {
  if (step?.type === 'navigate') return step.expectUrl ?? step.url;
  if (step?.type === 'click') return step.expectUrl;
  return undefined;
}

export function taskInfo(task: TaskState): TaskInfo {
  return {
    id: task.id,
    step: task.step,
    status: task.status,
    label: task.label,
    stepLabel: stepLabel(task.steps[task.step]),
    steps: task.steps.length,
  };
}

/** Checks an agent's plan; agents are code, so a bad plan is a bug to log, not to run. */
function checkPlan(
  plan: TaskPlan,
): { ok: true; steps: TaskStep[] } | { ok: false; message: string } {
  if (typeof plan.label !== 'string' || plan.label.length > LIMITS.maxLabelLength) {
    return {
      ok: false,
      message: `label must be a string of at most ${LIMITS.maxLabelLength} chars`,
    };
  }
  if (!Array.isArray(plan.steps) || plan.steps.length > LIMITS.maxTaskSteps) {
    return { ok: false, message: `steps must be an array of at most ${LIMITS.maxTaskSteps}` };
  }
  const steps: TaskStep[] = [];
  for (const [i, raw] of plan.steps.entries()) {
    const checked = validateTaskStep(raw);
    if (!checked.ok) return { ok: false, message: `step ${i}: ${checked.message}` };
    steps.push(checked.value);
  }
  return { ok: true, steps };
}

/**
 * Creates the task runner: sends page steps one at a time as `action` to the session's
 * socket and advances on each `action_result`; posts `say` and `ask` steps as agent
 * messages; holds a task while its page reloads and decides on the next `session_init`.
 * Deadlines are stored with the task and checked on access and by `sweep`.
 *
 * @example
 * const tasks = createTaskRunner({ io, store, conversation, now, logger, holdMs: 30_000, waitTtlMs: 600_000 });
 * await tasks.start(sessionId, { label: 'Showing pricing', steps: [{ type: 'navigate', url: '/pricing.html' }] });
 */
export function createTaskRunner(options: TaskRunnerOptions): TaskRunner {
  const { io, store, conversation, now, logger, holdMs, waitTtlMs } = options;
  const stepTimeoutMs = options.stepTimeoutMs ?? 60_000;
  const queue = createLocalSessionLock();

  /** Runs on the session's queue; a session that vanished meanwhile yields `fallback`. */
  function run<T>(sessionId: string, fallback: T, work: () => Promise<T>): Promise<T> {
    return queue.run(sessionId, async () => {
      try {
        return await work();
      } catch (error) {
        if (error instanceof SessionNotFoundError) return fallback;
        throw error;
      }
    });
  }

  const save = (sessionId: string, task: TaskState, changes: Partial<TaskState>) => {
    const next: TaskState = { ...task, ...changes, version: task.version + 1, updatedAt: now() };
    return store.tasks.save(sessionId, next).then(() => next);
  };

  /**
   * Ends the task. With `message`: `task_aborted` (and, with `say`, the message in the chat
   * too); without: `task_done`. `emit: false` stores only; the caller sends `task_aborted`.
   */
  async function end(
    sessionId: string,
    task: TaskState,
    how: { message?: string; say?: boolean; emit?: boolean },
  ): Promise<boolean> {
    if (!(await store.tasks.delete(sessionId, task.id))) return false;
    const step = task.steps[task.step];
    if (task.status === 'waiting' && step?.type === 'ask') {
      await store.waits.clear({ sessionId }, step.scope);
    }
    const emit = how.emit ?? true;
    if (how.message === undefined) {
      if (emit) io.to(sessionId).emit('task_done', { taskId: task.id });
      return true;
    }
    if (how.say) {
      const posted = await conversation.postAgentMessage(sessionId, how.message, { emit });
      if (!posted) return true;
    }
    if (emit) io.to(sessionId).emit('task_aborted', { taskId: task.id, message: how.message });
    return true;
  }

  /** Ends the task if its deadline passed (or its question was withdrawn); returns what is left. */
  async function settle(
    sessionId: string,
    emit: boolean,
  ): Promise<{ task?: TaskState; aborted?: { taskId: string; message: string } }> {
    const task = await store.tasks.get(sessionId);
    if (!task) return {};
    let message: string | undefined;
    let say = true;
    if (task.deadline !== undefined && task.deadline <= now()) {
      message =
        task.status === 'held'
          ? TASK_MESSAGES.interrupted
          : task.status === 'waiting'
            ? TASK_MESSAGES.noAnswer
            : TASK_MESSAGES.noResult;
    } else if (task.status === 'waiting') {
      const waits = await store.waits.list({ sessionId });
      if (!waits.some((w) => w.taskId === task.id && w.step === task.step)) {
        message = TASK_MESSAGES.withdrawn;
        say = false;
      }
    }
    if (message === undefined) return { task };
    await end(sessionId, task, { message, say, emit });
    return { aborted: { taskId: task.id, message } };
  }

  async function hold(sessionId: string, task: TaskState) {
    await save(sessionId, task, { status: 'held', deadline: now() + holdMs });
  }

  async function fail(sessionId: string, task: TaskState, detail: string) {
    const label = stepLabel(task.steps[task.step]);
    // "Highlighting the Pro plan" reads "highlighting the Pro plan" mid-sentence.
    const inSentence = label.charAt(0).toLowerCase() + label.slice(1);
    await end(sessionId, task, {
      message: TASK_MESSAGES.failed(inSentence, detail),
      say: true,
    });
  }

  /** The `action` for a page step, or why it cannot be sent. */
  async function prepare(
    sessionId: string,
    task: TaskState,
    step: PageStep,
  ): Promise<{ ok: true; action: ActionPayload } | { ok: false; detail: string }> {
    const base = { taskId: task.id, step: task.step, label: stepLabel(step) };
    if (step.type === 'navigate' && task.pageUrl !== undefined) {
      const target = resolveUrl(step.url, task.pageUrl);
      if (target?.origin !== resolveUrl(task.pageUrl, undefined)?.origin) {
        return { ok: false, detail: `${step.url} is not on this site` };
      }
    }
    if (step.type === 'fill' && step.value === undefined && step.field !== undefined) {
      const value = (await store.visitors.get(sessionId))[step.field];
      // Unknown here: the widget may still hold it (`leflux:user`).
      return { ok: true, action: { ...step, ...base, ...(value !== undefined && { value }) } };
    }
    return { ok: true, action: { ...step, ...base } };
  }

  /** Runs the task forward from its current step until a step is in flight, it waits or ends. */
  async function pump(sessionId: string): Promise<void> {
    for (let guard = 0; guard <= LIMITS.maxTaskSteps; guard++) {
      const task = await store.tasks.get(sessionId);
      if (task?.status !== 'running' || task.sentAt !== undefined) return;
      const step = task.steps[task.step];
      if (!step) {
        await end(sessionId, task, {});
        return;
      }
      const at = now();
      if (step.type === 'say') {
        await conversation.postAgentMessage(sessionId, step.text);
        await save(sessionId, task, { step: task.step + 1 });
        continue;
      }
      if (step.type === 'ask') {
        if (step.field && (await store.visitors.get(sessionId))[step.field]) {
          await save(sessionId, task, { step: task.step + 1 });
          continue;
        }
        await conversation.postAgentMessage(sessionId, step.question, { asks: step.field });
        const expiresAt = at + waitTtlMs;
        await store.waits.add(sessionId, {
          id: nanoid(),
          scope: step.scope,
          question: step.question,
          taskId: task.id,
          step: task.step,
          createdAt: at,
          expiresAt,
        });
        await save(sessionId, task, { status: 'waiting', deadline: expiresAt });
        return;
      }
      const session = await store.sessions.get(sessionId);
      if (!session) return;
      if (session.boundSocket === undefined) {
        await hold(sessionId, task);
        return;
      }
      const prepared = await prepare(sessionId, task, step);
      if (!prepared.ok) {
        await fail(sessionId, task, prepared.detail);
        return;
      }
      await save(sessionId, task, { sentAt: at, deadline: at + stepTimeoutMs });
      io.to(sessionId).emit('action', prepared.action);
      return;
    }
  }

  /** Where a page-changing step leads, absolute when the current page is known. */
  const expectedPage = (target: string, base: string | undefined) =>
    base === undefined ? target : (resolveUrl(target, base)?.href ?? target);

  return {
    start(sessionId, plan) {
      const checked = checkPlan(plan);
      if (!checked.ok) {
        logger.error(`agent planned an invalid task (session ${sessionId}): ${checked.message}`);
        return Promise.resolve(null);
      }
      return run(sessionId, null, async () => {
        const previous = await store.tasks.get(sessionId);
        if (previous) await end(sessionId, previous, { message: TASK_MESSAGES.replaced });
        const session = await store.sessions.get(sessionId);
        if (!session) return null;
        const at = now();
        const task: TaskState = {
          id: nanoid(),
          version: 1,
          label: plan.label,
          steps: checked.steps,
          step: 0,
          status: 'running',
          pageUrl: session.url || undefined,
          createdAt: at,
          updatedAt: at,
        };
        await store.tasks.save(sessionId, task);
        await pump(sessionId);
        const after = await store.tasks.get(sessionId);
        return after ? taskInfo(after) : null;
      });
    },

    sessionBound(sessionId, url) {
      return queue.run(sessionId, async () => {
        const settled = await settle(sessionId, false);
        const aborted = (taskId: string, message: string): BoundTask => ({
          task: null,
          after: () => io.to(sessionId).emit('task_aborted', { taskId, message }),
        });
        if (settled.aborted) return aborted(settled.aborted.taskId, settled.aborted.message);
        const task = settled.task;
        if (!task) return { task: null, after: () => {} };
        const step = task.steps[task.step];
        const target = leadsTo(step);
        let next: TaskState;
        if (
          task.sentAt !== undefined &&
          target !== undefined &&
          urlMatches(expectedPage(target, task.pageUrl), url)
        ) {
          // The page-changing step worked (its result may have been lost in the reload).
          next = await save(sessionId, task, {
            step: task.step + 1,
            status: 'running',
            sentAt: undefined,
            deadline: undefined,
            pageUrl: url,
          });
        } else if (task.pageUrl === undefined || urlMatches(task.pageUrl, url)) {
          // Same page: a waiting task keeps waiting; a step in flight is sent again.
          next =
            task.status === 'waiting'
              ? await save(sessionId, task, { pageUrl: url })
              : await save(sessionId, task, {
                  status: 'running',
                  sentAt: undefined,
                  deadline: undefined,
                  pageUrl: url,
                });
        } else {
          await end(sessionId, task, {
            message: TASK_MESSAGES.interrupted,
            say: true,
            emit: false,
          });
          return aborted(task.id, TASK_MESSAGES.interrupted);
        }
        return {
          task: taskInfo(next),
          after: () => {
            run(sessionId, undefined, () => pump(sessionId)).catch((error) =>
              logger.error(`task failed to resume (session ${sessionId})`, error),
            );
          },
        };
      });
    },

    result(sessionId, socketId, result) {
      return run(sessionId, undefined, async () => {
        const task = await store.tasks.get(sessionId);
        // A late or repeated result of a step already decided: nothing to do.
        if (task?.id !== result.taskId || task.step !== result.step || task.sentAt === undefined) {
          return;
        }
        const session = await store.sessions.get(sessionId);
        if (session?.boundSocket !== socketId) return;
        if (!result.ok) {
          await fail(sessionId, task, result.detail?.trim() || 'no reason given');
          return;
        }
        const target = leadsTo(task.steps[task.step]);
        if (target !== undefined) {
          // The page is about to change: wait for it to come back from `target`.
          await save(sessionId, task, {
            step: task.step + 1,
            status: 'held',
            sentAt: undefined,
            deadline: now() + holdMs,
            pageUrl: expectedPage(target, task.pageUrl ?? session.url),
          });
          return;
        }
        await save(sessionId, task, {
          step: task.step + 1,
          sentAt: undefined,
          deadline: undefined,
        });
        await pump(sessionId);
      });
    },

    socketLost(sessionId) {
      return run(sessionId, undefined, async () => {
        const task = await store.tasks.get(sessionId);
        if (task?.status === 'running') await hold(sessionId, task);
      });
    },

    answer(sessionId, message) {
      return run(sessionId, false, async () => {
        await settle(sessionId, true);
        const wait = await store.waits.take(sessionId);
        if (!wait) return false;
        const task = await store.tasks.get(sessionId);
        const step = task?.steps[task.step];
        if (
          task?.status !== 'waiting' ||
          wait.taskId !== task.id ||
          wait.step !== task.step ||
          step?.type !== 'ask'
        ) {
          // A wait left over from an ended task: the message is a question for the agent.
          return false;
        }
        const text = message.text.trim();
        if (CANCEL.test(text)) {
          await end(sessionId, task, { message: TASK_MESSAGES.cancelled, say: true });
          return true;
        }
        if (step.field) {
          const checked = validateContact({ [step.field]: text });
          if (!checked.ok) {
            const hint = (checked.errors[step.field] ?? 'valid').replace(/^must be /, '');
            await conversation.postAgentMessage(
              sessionId,
              TASK_MESSAGES.badAnswer(step.field, hint, step.question),
            );
            const at = now();
            await store.waits.add(sessionId, { ...wait, createdAt: at, expiresAt: at + waitTtlMs });
            await save(sessionId, task, { deadline: at + waitTtlMs });
            return true;
          }
          await store.visitors.save(sessionId, checked.value);
        } else if (step.key) {
          await store.values.save(sessionId, step.key, text);
        }
        await save(sessionId, task, {
          step: task.step + 1,
          status: 'running',
          deadline: undefined,
        });
        await pump(sessionId);
        return true;
      });
    },

    current(sessionId) {
      return run(sessionId, null, async () => {
        const { task } = await settle(sessionId, true);
        return task ? taskInfo(task) : null;
      });
    },

    async sweep(at) {
      const due = await store.tasks.due(at);
      await Promise.all(
        due.map((sessionId) =>
          run(sessionId, undefined, async () => void (await settle(sessionId, true))),
        ),
      );
    },

    exclusive(sessionId, work) {
      return queue.run(sessionId, work);
    },

    idle() {
      return queue.idle();
    },
  };
}
