import { LIMITS } from '../../protocol/index.js';
import { checkPlan } from '../tasks/plan.js';
import type { AgentReply } from './agent.js';

/**
 * Checks what an agent returns or posts: nothing, or an object with an optional text and an
 * optional task plan. Agents are code (or a webhook's JSON): a bad value is reported, not run.
 */
export function checkReply(
  value: unknown,
): { ok: true; reply: AgentReply | undefined } | { ok: false; message: string } {
  if (value === null || value === undefined) return { ok: true, reply: undefined };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: 'a reply must be an object like { text?, task? } or null' };
  }
  const { text, task } = value as Record<string, unknown>;
  const reply: AgentReply = {};
  if (text !== undefined) {
    if (typeof text !== 'string' || text.length > LIMITS.maxTextLength) {
      return {
        ok: false,
        message: `reply text must be a string of at most ${LIMITS.maxTextLength} characters`,
      };
    }
    reply.text = text;
  }
  if (task !== undefined) {
    const checked = checkPlan(task);
    if (!checked.ok) return { ok: false, message: `reply task: ${checked.message}` };
    reply.task = checked.plan;
  }
  // `{}` says nothing, like null.
  return {
    ok: true,
    reply: reply.text === undefined && reply.task === undefined ? undefined : reply,
  };
}
