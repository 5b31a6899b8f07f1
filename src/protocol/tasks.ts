/**
 * Agent tasks on the wire: the steps an agent plans, the `action` the widget executes,
 * and what a re-mounted widget learns about a task in flight.
 *
 * Who runs what: `say` and `ask` run on the server (they become agent messages; `ask` also
 * waits for the visitor's answer). Every other step is a `PageStep` the widget executes on
 * the host page, one `action` at a time, answering each with `action_result`.
 */
import type { ContactField } from './contact.js';

interface StepBase {
  /** Short human text of what this step does ("Opening the pricing page"); a default is derived. */
  label?: string;
}

/**
 * Goes to a same-origin URL (absolute, or a path resolved against the current page). The
 * page changes, so the task continues on the page at `expectUrl` (default: `url`).
 */
export interface NavigateStep extends StepBase {
  type: 'navigate';
  url: string;
  /** The URL the task expects to be on next. Origin and path are compared; query and hash only when given here. */
  expectUrl?: string;
}

/** Marks an element visibly and scrolls it into view. */
export interface HighlightStep extends StepBase {
  type: 'highlight';
  selector: string;
}

/**
 * Types into an input. `value` wins; without it the widget fills the visitor's stored
 * `field` (the server puts the value in when it knows it).
 */
export interface FillStep extends StepBase {
  type: 'fill';
  selector: string;
  value?: string;
  field?: ContactField;
}

/** Clicks an element. With `expectUrl`, the click changes the page (like `navigate`). */
export interface ClickStep extends StepBase {
  type: 'click';
  selector: string;
  expectUrl?: string;
}

/** Scrolls an element into view without marking it. */
export interface ScrollStep extends StepBase {
  type: 'scroll';
  selector: string;
}

/** The agent says `text` in the chat (server side: an agent message). */
export interface SayStep extends StepBase {
  type: 'say';
  text: string;
}

/**
 * The agent asks `question` in the chat and the task pauses until the visitor answers
 * (server side). While the wait is open, the visitor's next message is the answer in
 * `scope`: it goes to the task, not to the agent. With `field` the answer is stored as
 * that contact detail; with `key`, as that session value.
 */
export interface AskStep extends StepBase {
  type: 'ask';
  question: string;
  scope: string;
  field?: ContactField;
  key?: string;
}

export type TaskStep =
  | NavigateStep
  | HighlightStep
  | FillStep
  | ClickStep
  | ScrollStep
  | SayStep
  | AskStep;

/** Steps the widget executes on the host page. */
export type PageStep = NavigateStep | HighlightStep | FillStep | ClickStep | ScrollStep;

export const PAGE_STEP_TYPES: readonly PageStep['type'][] = [
  'navigate',
  'highlight',
  'fill',
  'click',
  'scroll',
];

/**
 * Server -> widget `action`: execute step number `step` of task `taskId` and answer with
 * `action_result { taskId, step, ok, detail? }`. `label` is always set (the line the chat
 * shows while the step runs). Narrow on `type`.
 */
export type ActionPayload = PageStep & {
  taskId: string;
  /** Index of the step in its task, from 0. Echo it in `action_result`. */
  step: number;
  label: string;
};

/** Server -> widget: the task ended early. `message` is also in the history as an agent message. */
export interface TaskAbortedPayload {
  taskId: string;
  message: string;
}

/** Server -> widget: the task ran all its steps. */
export interface TaskDonePayload {
  taskId: string;
}
