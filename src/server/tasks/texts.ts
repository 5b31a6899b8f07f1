import type { TaskInfo, TaskStep } from '../../protocol/index.js';
import type { TaskState } from '../stores/session-store.js';

/** What the agent says when a task ends early. `interrupted` is part of the public contract. */
export const TASK_MESSAGES = {
  interrupted: 'We got interrupted by a reload — what next?',
  noResult: 'The page did not respond, so I stopped. What next?',
  noAnswer: 'I stopped waiting for your answer. Ask me again whenever you like.',
  cancelled: 'OK, I stopped.',
  withdrawn: 'The question was withdrawn, so I stopped.',
  replaced: 'Stopped to start something else.',
  takenOver: 'Stopped: a person from the team is taking over.',
  failed: (stepLabel: string, detail: string) =>
    `Sorry, I could not finish that: ${stepLabel} did not work (${detail}). What next?`,
  badAnswer: (field: string, hint: string, question: string) =>
    `That does not look like a valid ${field}: it must be ${hint}. ${question}`,
} as const;

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

/** The task as restore and `session_init` report it. */
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
