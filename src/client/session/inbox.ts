import {
  type ChatMessage,
  type Failure,
  type SessionInitOk,
  type Validated,
  type VisitorMessageOk,
  validateAgentMessage,
  validateFailure,
  validateSessionInitOk,
  validateTaskEnd,
  validateVisitorMessageOk,
} from '../../protocol/index.js';
import { noAnswer, type ServerEvents } from '../transport/connection.js';
import { countUnread } from '../widget-state.js';
import { reset } from './clear.js';
import { fail, type Session } from './session.js';
import { liveRecord, sessionGone, storedRecord } from './session-record.js';

/*
 * What the server sends, checked with the protocol's validators before anything is shown,
 * stored or acted on. A malformed event or answer is dropped with an `invalid_message` error.
 */

const drop = (s: Session, what: string, problem: string) =>
  fail(s, 'invalid_message', `dropped a malformed ${what} from the server: ${problem}`);

/** An ack: the checked answer, the server's refusal, or, when malformed, no answer at all. */
function ack<T>(
  s: Session,
  raw: unknown,
  what: string,
  validate: (input: unknown) => Validated<T>,
) {
  const checked =
    (raw as { ok?: unknown } | null)?.ok === false ? validateFailure(raw) : validate(raw);
  if (checked.ok) return checked.value;
  drop(s, what, checked.message);
  return noAnswer;
}

/** A `session_init` answer: the ack (its malformed `missed` messages left out), or a refusal. */
export function initAck(s: Session, raw: unknown): SessionInitOk | Failure {
  const answer = ack(s, raw, 'session_init answer', validateSessionInitOk);
  const sent = (raw as { missed?: unknown }).missed;
  const dropped = answer.ok && Array.isArray(sent) ? sent.length - answer.missed.length : 0;
  if (dropped > 0) drop(s, 'session_init answer', `${dropped} missed message(s) left out`);
  return answer;
}

/** A `visitor_message` answer. */
export const sendAck = (s: Session, raw: unknown): VisitorMessageOk | Failure =>
  ack(s, raw, 'visitor_message answer', validateVisitorMessageOk);

/** Gone while bound: a new session only for what waits to be sent. */
export async function goneWhileBound(s: Session): Promise<void> {
  await sessionGone(s);
  if (s.cache.conversation.pending().length > 0) s.link.rebind();
  else s.link.release();
}

/** The socket's server events, for the transport to report. */
export function serverEvents(s: Session): ServerEvents {
  const taskEnd = (status: 'done' | 'aborted') => (raw: unknown) => {
    const checked = validateTaskEnd(raw);
    if (!checked.ok) return drop(s, `task_${status}`, checked.message);
    s.task.end(checked.value.taskId, status);
  };
  return {
    agent_message(raw) {
      const checked = validateAgentMessage(raw);
      if (!checked.ok) return drop(s, 'agent_message', checked.message);
      const sessionId = s.bound ?? liveRecord(s)?.id;
      if (!sessionId) return;
      // An agent's, an operator's (with `name`) or a system notice.
      const { author = 'agent', ...payload } = checked.value;
      const message: ChatMessage = { ...payload, author };
      s.typing.hide();
      countUnread(s, [message]);
      void s.cache.commit([{ ...message, siteKey: s.siteKey, sessionId, status: 'sent' }]);
      s.emitter.emit('message', message);
    },
    agent_typing() {
      s.typing.show();
      s.tabs.post({ type: 'typing' });
    },
    action(raw) {
      const problem = s.task.onAction(raw);
      if (problem) drop(s, 'action', problem);
    },
    task_aborted: taskEnd('aborted'),
    task_done: taskEnd('done'),
    taken_over: () => s.link.takenOver(),
    session_evicted() {
      // A purge from Clear in another tab can reach this socket before that tab's message does.
      // The record is gone then: this is a clear, not an eviction to archive.
      void (storedRecord(s) ? goneWhileBound(s) : reset(s));
    },
  };
}
