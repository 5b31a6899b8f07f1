import { goneWhileBound, sendAck } from './inbox.js';
import { fail, retryDelay, type Session } from './session.js';
import { updateRecord } from './session-record.js';

/**
 * Unsent visitor messages (the pending ones of the history, shared by the site's tabs) and their
 * delivery. The tab holding the socket delivers them all, this tab's and the other tabs', one at
 * a time in the order they were written; the server dedupes a resent id.
 */
export interface Outbox {
  /** Delivers what is pending, if this tab is bound. Resolves when this round is done. */
  flush(): Promise<void>;
}

export function createOutbox(s: Session): Outbox {
  const { cache, link } = s;
  const { conversation } = cache;
  let flushing: Promise<void> = Promise.resolve();
  let cancelRetry = () => {};

  async function deliver(): Promise<void> {
    // Trying again now (bound, or the wait the server asked for is over): a refusal sets it anew.
    s.store.setState({ retryAt: null });
    for (const message of conversation.pending()) {
      const sessionId = s.bound;
      const connection = await link.socket();
      if (link.state() !== 'bound' || !connection || !sessionId) return;
      // Another round (or another tab) may have delivered it meanwhile.
      if (conversation.get(message.id)?.status !== 'pending') continue;
      const answer = sendAck(
        s,
        await connection.sendMessage({
          id: message.id,
          text: message.text,
          url: s.page().url,
          sentAt: message.at,
        }),
      );
      // Cleared while the answer was on its way: do not bring the message back.
      if (!conversation.get(message.id)) return;
      if (answer.ok) {
        await cache.commit([{ ...message, status: 'sent', seq: answer.seq, sessionId }]);
        // Delivered: the session is alive, and its record's TTL starts again.
        updateRecord(s, () => ({}));
        continue;
      }
      const { code, message: why } = answer.error;
      if (code === 'invalid_payload') {
        await cache.commit([{ ...message, status: 'failed' }]);
        fail(s, 'send_failed', `message refused: ${why}`);
      } else if (code === 'session_not_found') {
        return goneWhileBound(s);
      } else if (code === 'not_bound') {
        // The server gave the session to another socket, or lost track of this one: say
        // session_init again (if another tab took it, its lock tells this tab first).
        return link.rebind();
      } else {
        // No answer (in time), or the server is busy (`rate_limited`: when it says): try again
        // on this socket; a reconnect binds, and binding flushes, anyway.
        cancelRetry();
        cancelRetry = s.schedule(retryDelay(s, answer), flush);
        return;
      }
    }
  }

  function flush(): Promise<void> {
    // A round that throws must not stop the rounds after it.
    flushing = flushing.then(deliver).catch(() => undefined);
    return flushing;
  }

  return { flush };
}
