import {
  type ActionPayload,
  type ActionResultPayload,
  type ContactDetails,
  type TaskInfo,
  validateActionPayload,
  validateTaskInfo,
} from '../protocol/index.js';
import type { Emitter } from './emitter.js';
import type { StateStore } from './state.js';
import type { ClientEvents, ClientState, StepResult } from './types.js';

export type RunStep = (
  action: ActionPayload,
  context: { user: ContactDetails },
) => Promise<StepResult>;

/** What the session does with the agent's task events: state for the UI, steps run and answered. */
export interface AgentTask {
  /** Restore and `session_init` tell where a task stands after a reload. */
  show(task: TaskInfo | null): void;
  end(taskId: string, status: 'done' | 'aborted'): void;
  /** Runs a step the agent sent and answers it; a repeat of the last step gets the same answer. */
  onAction(raw: unknown): Promise<void>;
}

export function createAgentTask(options: {
  store: StateStore<ClientState>;
  emitter: Emitter<ClientEvents>;
  runStep?: RunStep;
  report: (result: ActionResultPayload) => Promise<void>;
}): AgentTask {
  const { store, emitter, runStep, report } = options;
  /** The last step run on this page and its result: a step the server re-sends is answered, not re-run. */
  let lastStep: { key: string; result: Promise<StepResult> } | undefined;

  return {
    show(task) {
      const checked = task ? validateTaskInfo(task) : undefined;
      const next = checked?.ok ? checked.value : null;
      store.setState({ task: next });
      if (next) emitter.emit('task', { taskId: next.id, status: next.status, label: next.label });
    },
    end(taskId, status) {
      if (store.getState().task?.id === taskId) store.setState({ task: null });
      emitter.emit('task', { taskId, status });
    },
    async onAction(raw) {
      const checked = validateActionPayload(raw);
      if (!checked.ok) return;
      const action = checked.value;
      const current = store.getState().task?.id === action.taskId ? store.getState().task : null;
      store.setState({
        task: {
          id: action.taskId,
          step: action.step,
          status: 'running',
          label: current?.label ?? action.label,
          stepLabel: action.label,
          steps: current?.steps ?? action.step + 1,
        },
      });
      emitter.emit('task', { taskId: action.taskId, status: 'running', label: action.label });
      const key = `${action.taskId}:${action.step}`;
      if (lastStep?.key !== key) {
        const run = runStep
          ? runStep(action, { user: store.getState().user }).catch(
              (error: unknown): StepResult => ({ ok: false, detail: String(error) }),
            )
          : Promise.resolve<StepResult>({ ok: false, detail: 'this page cannot run agent steps' });
        lastStep = { key, result: run };
      }
      await report({ taskId: action.taskId, step: action.step, ...(await lastStep.result) });
    },
  };
}
