import {
  type ActionPayload,
  type ActionResultPayload,
  type ContactDetails,
  type TaskInfo,
  validateActionPayload,
  validateTaskInfo,
} from '../../protocol/index.js';

/** What running one step on the page came to. */
export interface StepResult {
  ok: boolean;
  /** Why it failed, in words the agent can repeat ("no element matches #plan-x"). */
  detail?: string;
}

/** Runs one agent task step on the page (the widget passes its DOM executor). */
export type RunStep = (
  action: ActionPayload,
  context: { user: ContactDetails },
) => Promise<StepResult>;

/** The `task` event: where an agent task stands. */
export interface TaskEvent {
  taskId: string;
  status: 'running' | 'held' | 'waiting' | 'done' | 'aborted';
  label?: string;
}

/** What the session does with the agent's task events: state for the UI, steps run and answered. */
export interface AgentTask {
  /** Restore and `session_init` tell where a task stands after a reload (unchecked input). */
  show(task: unknown): void;
  end(taskId: string, status: 'done' | 'aborted'): void;
  /**
   * Runs a step the agent sent and answers it; a repeat of the last step gets the same answer.
   * A malformed action is neither run nor answered: it returns why.
   */
  onAction(raw: unknown): string | undefined;
}

export function createAgentTask(options: {
  /** The task in flight, for the UI (`ClientState.task`). */
  current(): TaskInfo | null;
  set(task: TaskInfo | null): void;
  emit(event: TaskEvent): void;
  user(): ContactDetails;
  runStep?: RunStep;
  report: (result: ActionResultPayload) => Promise<void>;
}): AgentTask {
  const { current, set, emit, runStep, report } = options;
  /** The last step run on this page and its result: a step the server re-sends is answered, not re-run. */
  let lastStep: { key: string; result: Promise<StepResult> } | undefined;

  async function run(action: ActionPayload): Promise<void> {
    const key = `${action.taskId}:${action.step}`;
    if (lastStep?.key !== key) {
      const result = runStep
        ? runStep(action, { user: options.user() }).catch(
            (error: unknown): StepResult => ({ ok: false, detail: String(error) }),
          )
        : Promise.resolve<StepResult>({ ok: false, detail: 'this page cannot run agent steps' });
      lastStep = { key, result };
    }
    await report({ taskId: action.taskId, step: action.step, ...(await lastStep.result) });
  }

  return {
    show(task) {
      const checked = task ? validateTaskInfo(task) : undefined;
      const next = checked?.ok ? checked.value : null;
      set(next);
      if (next) emit({ taskId: next.id, status: next.status, label: next.label });
    },
    end(taskId, status) {
      if (current()?.id === taskId) set(null);
      emit({ taskId, status });
    },
    onAction(raw) {
      const checked = validateActionPayload(raw);
      if (!checked.ok) return checked.message;
      const action = checked.value;
      const task = current()?.id === action.taskId ? current() : null;
      set({
        id: action.taskId,
        step: action.step,
        status: 'running',
        label: task?.label ?? action.label,
        stepLabel: action.label,
        steps: task?.steps ?? action.step + 1,
      });
      emit({ taskId: action.taskId, status: 'running', label: action.label });
      void run(action);
      return undefined;
    },
  };
}
