import type {
  ActionResultPayload,
  Failure,
  VisitorMessageOk,
  VisitorMessagePayload,
} from '../../protocol/index.js';
import { retryAfterSeconds } from './access.js';
import { failure } from './bind.js';
import type { SessionServiceDeps } from './services.js';

export interface IntakeService {
  /**
   * A visitor message from the socket holding the session: stored once (a resend gets its
   * first seq back), logged, acked; then answered in the background. Throws
   * `SessionNotFoundError` when the session is gone.
   */
  message(
    sessionId: string,
    socketId: string,
    payload: VisitorMessagePayload,
  ): Promise<VisitorMessageOk | Failure>;
  /** The widget's result of a task step; only the socket holding the session is heard. */
  actionResult(sessionId: string, socketId: string, result: ActionResultPayload): Promise<void>;
}

export function createIntakeService(deps: SessionServiceDeps): IntakeService {
  const { store, conversation, tasks, dispatch, now, limiter } = deps;
  const { lock } = store;
  return {
    async message(sessionId, socketId, payload) {
      // Resends count too: a client that resends in a loop is as busy as one that writes.
      const decision = await limiter.take('messages', sessionId);
      if (!decision.ok) {
        const seconds = retryAfterSeconds(decision.retryAfterMs);
        return failure(
          'rate_limited',
          `too many messages in this conversation; try again in ${seconds} s`,
          seconds,
        );
      }
      const received = await lock.run(sessionId, () =>
        conversation.receive(sessionId, socketId, payload),
      );
      if (!received.ok) {
        return failure(
          'not_bound',
          'another connection holds this session; send session_init to take it back',
        );
      }
      // The ack does not wait for the answer: a slow agent never delays the next message.
      if (!received.duplicate) void dispatch.answer(sessionId, received.message, payload.url);
      return { ok: true, seq: received.seq, duplicate: received.duplicate };
    },

    actionResult(sessionId, socketId, result) {
      return lock.run(sessionId, async () => {
        const session = await store.sessions.get(sessionId);
        // Only the holder speaks for the session; an older tab's late result is ignored.
        if (session?.boundSocket !== socketId) return;
        await store.sessions.touch(sessionId, now());
        await tasks.result(sessionId, socketId, result);
      });
    },
  };
}
