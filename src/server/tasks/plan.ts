import { LIMITS, type TaskStep, validateTaskStep } from '../../protocol/index.js';

/** A task the agent starts: steps run in order, one at a time (see `TaskStep`). */
export interface TaskPlan {
  /** What the task is for, shown while it runs ("Showing you our pricing"). */
  label: string;
  steps: TaskStep[];
}

/**
 * Checks a plan from an agent (code, or a webhook's JSON): a label and at most
 * `LIMITS.maxTaskSteps` valid steps. Unknown keys of a step are dropped.
 *
 * @example
 * const checked = checkPlan(reply.task);
 * if (!checked.ok) logger.error(checked.message);
 */
export function checkPlan(
  plan: unknown,
): { ok: true; plan: TaskPlan } | { ok: false; message: string } {
  if (typeof plan !== 'object' || plan === null) {
    return { ok: false, message: 'a task must be an object with a label and steps' };
  }
  const { label, steps: raw } = plan as Partial<Record<keyof TaskPlan, unknown>>;
  if (typeof label !== 'string' || label.length > LIMITS.maxLabelLength) {
    return {
      ok: false,
      message: `label must be a string of at most ${LIMITS.maxLabelLength} chars`,
    };
  }
  if (!Array.isArray(raw) || raw.length > LIMITS.maxTaskSteps) {
    return { ok: false, message: `steps must be an array of at most ${LIMITS.maxTaskSteps}` };
  }
  const steps: TaskStep[] = [];
  for (const [i, step] of raw.entries()) {
    const checked = validateTaskStep(step);
    if (!checked.ok) return { ok: false, message: `step ${i}: ${checked.message}` };
    steps.push(checked.value);
  }
  return { ok: true, plan: { label, steps } };
}
