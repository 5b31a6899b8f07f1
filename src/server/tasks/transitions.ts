import {
  type ActionPayload,
  type ActionResultPayload,
  type ContactDetails,
  type ContactField,
  LIMITS,
  type PageStep,
  type TaskStep,
  validateContact,
} from '../../protocol/index.js';
import type { TaskState, WaitRecord } from '../stores/session-store.js';
import { resolveUrl, urlMatches } from './page-url.js';
import type { TaskPlan } from './plan.js';
import { stepLabel, TASK_MESSAGES } from './texts.js';

/** The clock and the time rules a transition applies. */
export interface TaskClock {
  now: number;
  /** `LEFLUX_TASK_HOLD_MS`: how long a task waits for its page to come back. */
  holdMs: number;
  /** `LEFLUX_WAIT_TTL_MS`: how long an `ask` step waits for the visitor's answer. */
  waitTtlMs: number;
  /** How long a connected widget may take to answer one `action`. */
  stepTimeoutMs: number;
}

/** What happened to the task, with what the runner read for it beforehand. */
export type TaskEvent =
  /** Has its deadline passed, or was its question withdrawn (`waitOpen` false)? */
  | { type: 'check'; waitOpen: boolean }
  /** Run the current step if it is due. `connected`: a socket holds the session. */
  | { type: 'advance'; connected: boolean; visitor: ContactDetails }
  /** A socket bound the session from `url` (a reload, a reconnect, another tab). */
  | { type: 'bound'; url: string }
  /** The widget's answer to an `action`; `sessionUrl`: the page the session was last on. */
  | { type: 'result'; result: ActionResultPayload; sessionUrl?: string }
  /** The socket holding the session went away. */
  | { type: 'socket_lost' }
  /** A visitor message, with the open question it answers. */
  | { type: 'answer'; text: string; wait: WaitRecord }
  /** The agent starts another task. */
  | { type: 'replaced' }
  /** An operator took the conversation over: the agent's task ends, without a word in the chat. */
  | { type: 'taken_over' };

/** What the runner does for a transition, in order, once the new state is stored. */
export type TaskEffect =
  /** An agent message in the chat. */
  | { type: 'say'; text: string; asks?: ContactField }
  /** Sends the widget a page step. */
  | { type: 'action'; action: ActionPayload }
  | { type: 'done'; taskId: string }
  | { type: 'aborted'; taskId: string; message: string }
  /** Opens a question (the runner gives it an id when it has none). */
  | {
      type: 'wait';
      wait: Omit<WaitRecord, 'id' | 'sessionId' | 'siteKey' | 'visitorId'> & { id?: string };
    }
  | { type: 'clear_waits'; scope: string }
  | { type: 'save_visitor'; details: ContactDetails }
  | { type: 'save_value'; key: string; value: string };

export interface Transition {
  /** The task after the event: the same object when nothing changed, null when it ended. */
  task: TaskState | null;
  effects: TaskEffect[];
  /** The task moved on to a step that may run at once: advance again. */
  more?: boolean;
  /** `answer`: the message answered the task's question (the agent must not see it). */
  handled?: boolean;
}

/** An answer to an `ask` that ends the task instead. */
const CANCEL = /^(cancel|stop|abort|never ?mind|forget (it|about it))\b/i;

/** A change of state with nothing else to do (or none at all, when `task` is the one given). */
const state = (task: TaskState): Transition => ({ task, effects: [] });

/** The next version of `task` with `changes`. */
function bump(task: TaskState, changes: Partial<TaskState>, now: number): TaskState {
  return { ...task, ...changes, version: task.version + 1, updatedAt: now };
}

/** The URL a page-changing step leads to; undefined for steps that stay on the page. */
function leadsTo(step: TaskStep | undefined): string | undefined {
  if (step?.type === 'navigate') return step.expectUrl ?? step.url;
  if (step?.type === 'click') return step.expectUrl;
  return undefined;
}

/** Where a page-changing step leads, absolute when the current page is known. */
const expectedPage = (target: string, base: string | undefined) =>
  base === undefined ? target : (resolveUrl(target, base)?.href ?? target);

/**
 * Ends the task. With `message`: `task_aborted` (and, with `say`, the message in the chat
 * too); without: `task_done`. An open question of the task is closed.
 */
function end(task: TaskState, how: { message?: string; say?: boolean }): Transition {
  const effects: TaskEffect[] = [];
  const step = task.steps[task.step];
  if (task.status === 'waiting' && step?.type === 'ask') {
    effects.push({ type: 'clear_waits', scope: step.scope });
  }
  if (how.message === undefined) {
    effects.push({ type: 'done', taskId: task.id });
  } else {
    if (how.say) effects.push({ type: 'say', text: how.message });
    effects.push({ type: 'aborted', taskId: task.id, message: how.message });
  }
  return { task: null, effects };
}

function fail(task: TaskState, detail: string): Transition {
  const label = stepLabel(task.steps[task.step]);
  // "Highlighting the Pro plan" reads "highlighting the Pro plan" mid-sentence.
  const inSentence = label.charAt(0).toLowerCase() + label.slice(1);
  return end(task, { message: TASK_MESSAGES.failed(inSentence, detail), say: true });
}

/** The `action` for a page step, or why it cannot be sent. */
function prepare(
  task: TaskState,
  step: PageStep,
  visitor: ContactDetails,
): { ok: true; action: ActionPayload } | { ok: false; detail: string } {
  const base = { taskId: task.id, step: task.step, label: stepLabel(step) };
  if (step.type === 'navigate' && task.pageUrl !== undefined) {
    const target = resolveUrl(step.url, task.pageUrl);
    if (target?.origin !== resolveUrl(task.pageUrl, undefined)?.origin) {
      return { ok: false, detail: `${step.url} is not on this site` };
    }
  }
  if (step.type === 'fill' && step.value === undefined && step.field !== undefined) {
    const value = visitor[step.field];
    // Unknown here: the widget may still hold it (`leflux:user`).
    return { ok: true, action: { ...step, ...base, ...(value !== undefined && { value }) } };
  }
  return { ok: true, action: { ...step, ...base } };
}

/**
 * A new task for `plan` (already checked), at step 0, expecting the visitor on `pageUrl`.
 *
 * @example const task = createTask('t1', plan, { now: Date.now(), pageUrl: session.url });
 */
export function createTask(
  id: string,
  plan: TaskPlan,
  { now, pageUrl }: { now: number; pageUrl: string | undefined },
): TaskState {
  return {
    id,
    version: 1,
    label: plan.label,
    steps: plan.steps,
    step: 0,
    status: 'running',
    pageUrl: pageUrl || undefined,
    createdAt: now,
    updatedAt: now,
  };
}

/** Whether the current step needs the visitor's contact details to advance. */
export function needsVisitor(task: TaskState): boolean {
  const step = task.steps[task.step];
  return (step?.type === 'ask' || step?.type === 'fill') && step.field !== undefined;
}

/** Whether advancing runs a page step (which needs to know if a socket holds the session). */
export function needsSocket(task: TaskState): boolean {
  const step = task.steps[task.step];
  return step !== undefined && step.type !== 'say' && step.type !== 'ask';
}

/**
 * The pure rules of agent tasks: `(task, event, clock) -> (next task, effects)`. No I/O: the
 * runner reads what an event needs, stores the result and carries out the effects.
 *
 * @example
 * const { task: next, effects } = transition(task, { type: 'socket_lost' }, clock);
 */
export function transition(task: TaskState, event: TaskEvent, clock: TaskClock): Transition {
  const { now } = clock;
  switch (event.type) {
    case 'check': {
      if (task.deadline !== undefined && task.deadline <= now) {
        const message =
          task.status === 'held'
            ? TASK_MESSAGES.interrupted
            : task.status === 'waiting'
              ? TASK_MESSAGES.noAnswer
              : TASK_MESSAGES.noResult;
        return end(task, { message, say: true });
      }
      if (task.status === 'waiting' && !event.waitOpen) {
        return end(task, { message: TASK_MESSAGES.withdrawn });
      }
      return state(task);
    }

    case 'advance': {
      if (task.status !== 'running' || task.sentAt !== undefined) return state(task);
      const step = task.steps[task.step];
      if (!step) return end(task, {});
      if (step.type === 'say') {
        return {
          task: bump(task, { step: task.step + 1 }, now),
          effects: [{ type: 'say', text: step.text }],
          more: true,
        };
      }
      if (step.type === 'ask') {
        if (step.field && event.visitor[step.field]) {
          return { task: bump(task, { step: task.step + 1 }, now), effects: [], more: true };
        }
        const expiresAt = now + clock.waitTtlMs;
        return {
          task: bump(task, { status: 'waiting', deadline: expiresAt }, now),
          effects: [
            { type: 'say', text: step.question, ...(step.field && { asks: step.field }) },
            {
              type: 'wait',
              wait: {
                scope: step.scope,
                question: step.question,
                taskId: task.id,
                step: task.step,
                createdAt: now,
                expiresAt,
              },
            },
          ],
        };
      }
      if (!event.connected) {
        return state(bump(task, { status: 'held', deadline: now + clock.holdMs }, now));
      }
      const prepared = prepare(task, step, event.visitor);
      if (!prepared.ok) return fail(task, prepared.detail);
      return {
        task: bump(task, { sentAt: now, deadline: now + clock.stepTimeoutMs }, now),
        effects: [{ type: 'action', action: prepared.action }],
      };
    }

    case 'bound': {
      const target = leadsTo(task.steps[task.step]);
      const { url } = event;
      if (
        task.sentAt !== undefined &&
        target !== undefined &&
        urlMatches(expectedPage(target, task.pageUrl), url)
      ) {
        // The page-changing step worked (its result may have been lost in the reload).
        const changes = { status: 'running', sentAt: undefined, deadline: undefined } as const;
        return state(bump(task, { ...changes, step: task.step + 1, pageUrl: url }, now));
      }
      if (task.pageUrl === undefined || urlMatches(task.pageUrl, url)) {
        // Same page: a waiting task keeps waiting; a step in flight is sent again.
        return state(
          task.status === 'waiting'
            ? bump(task, { pageUrl: url }, now)
            : bump(
                task,
                { status: 'running', sentAt: undefined, deadline: undefined, pageUrl: url },
                now,
              ),
        );
      }
      return end(task, { message: TASK_MESSAGES.interrupted, say: true });
    }

    case 'result': {
      const { result } = event;
      // A late or repeated result of a step already decided: nothing to do.
      if (task.id !== result.taskId || task.step !== result.step || task.sentAt === undefined) {
        return state(task);
      }
      if (!result.ok) return fail(task, result.detail?.trim() || 'no reason given');
      const target = leadsTo(task.steps[task.step]);
      if (target !== undefined) {
        // The page is about to change: wait for it to come back from `target`.
        return state(
          bump(
            task,
            {
              step: task.step + 1,
              status: 'held',
              sentAt: undefined,
              deadline: now + clock.holdMs,
              pageUrl: expectedPage(target, task.pageUrl ?? event.sessionUrl),
            },
            now,
          ),
        );
      }
      return {
        task: bump(task, { step: task.step + 1, sentAt: undefined, deadline: undefined }, now),
        effects: [],
        more: true,
      };
    }

    case 'socket_lost':
      return task.status === 'running'
        ? state(bump(task, { status: 'held', deadline: now + clock.holdMs }, now))
        : state(task);

    case 'answer': {
      const { wait } = event;
      const step = task.steps[task.step];
      if (
        task.status !== 'waiting' ||
        wait.taskId !== task.id ||
        wait.step !== task.step ||
        step?.type !== 'ask'
      ) {
        // A wait left over from an ended task: the message is a question for the agent.
        return { ...state(task), handled: false };
      }
      const text = event.text.trim();
      if (CANCEL.test(text)) {
        return { ...end(task, { message: TASK_MESSAGES.cancelled, say: true }), handled: true };
      }
      const effects: TaskEffect[] = [];
      if (step.field) {
        const checked = validateContact({ [step.field]: text });
        if (!checked.ok) {
          const hint = (checked.errors[step.field] ?? 'valid').replace(/^must be /, '');
          const expiresAt = now + clock.waitTtlMs;
          return {
            task: bump(task, { deadline: expiresAt }, now),
            effects: [
              { type: 'say', text: TASK_MESSAGES.badAnswer(step.field, hint, step.question) },
              { type: 'wait', wait: { ...waitFields(wait), createdAt: now, expiresAt } },
            ],
            handled: true,
          };
        }
        effects.push({ type: 'save_visitor', details: checked.value });
      } else if (step.key) {
        effects.push({ type: 'save_value', key: step.key, value: text });
      }
      return {
        task: bump(task, { step: task.step + 1, status: 'running', deadline: undefined }, now),
        effects,
        more: true,
        handled: true,
      };
    }

    case 'replaced':
      return end(task, { message: TASK_MESSAGES.replaced });

    case 'taken_over':
      return end(task, { message: TASK_MESSAGES.takenOver });
  }
}

/** A wait's own fields, without those the store fills in from the session. */
function waitFields({ sessionId: _s, siteKey: _k, visitorId: _v, ...own }: WaitRecord) {
  return own;
}

/** How many steps one `advance` run may take at most (a plan has at most this many). */
export const MAX_ADVANCES = LIMITS.maxTaskSteps + 1;
