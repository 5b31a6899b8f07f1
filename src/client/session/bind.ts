import type { Failure, SessionInitPayload } from '../../protocol/index.js';
import type { Connection } from '../transport/connection.js';
import { visitorId } from '../visitor-id.js';
import { countUnread } from '../widget-state.js';
import { initAck } from './inbox.js';
import type { BindOutcome } from './link.js';
import { fail, retryDelay, type Session } from './session.js';
import { contactOf, liveRecord, saveRecord, sessionGone } from './session-record.js';

const isGone = (f: Failure) =>
  f.error.code === 'session_not_found' || f.error.code === 'unauthorized';

/** What `session_init` says about the page and the visitor (visitor id, contact details). */
function hello(s: Session): SessionInitPayload {
  const user = contactOf(s.records.user.read());
  const id = s.options.visitorIdCookie === false ? undefined : visitorId();
  return {
    siteKey: s.siteKey,
    ...s.page(),
    ...(id ? { visitorId: id } : {}),
    ...(Object.keys(user).length > 0 ? { contact: user } : {}),
    // Undefined when none: JSON leaves it out.
    identity: s.identity?.value,
  };
}

/**
 * The server refused this page (its origin, at the handshake or at `session_init`): a setup
 * problem, not a blip. Says so once, and marks what waits as not sent.
 */
export function refuse(s: Session, message: string): void {
  const { conversation } = s.cache;
  void s.cache.commit(conversation.pending().map((m) => ({ ...m, status: 'failed' })));
  if (s.refused) return;
  s.refused = true;
  // The server's message names the origin and the site.
  console.error(`[leflux] the server refused this page: ${message}`);
  fail(s, 'origin_not_allowed', message);
}

/**
 * `session_init` on a connected socket: resumes the stored session (the server replays what this
 * tab has not seen) or, when there is something to send, starts one; then applies the answer,
 * unless `current()` turned false meanwhile (cleared, taken over, disconnected).
 */
export async function bind(
  s: Session,
  connection: Connection,
  current: () => boolean,
): Promise<BindOutcome> {
  const { conversation } = s.cache;
  const live = liveRecord(s);
  // A new session only for something to send: a visitor who writes nothing starts none.
  const toSend = () => conversation.pending().length > 0;
  if (!live && !toSend()) return 'release';
  let answer = initAck(
    s,
    await connection.init(
      live
        ? { ...hello(s), sessionId: live.id, token: live.token, lastSeq: conversation.lastSeq() }
        : hello(s),
    ),
  );
  if (!current()) return retryDelay(s);
  if (!answer.ok && live && isGone(answer)) {
    await sessionGone(s);
    if (!toSend() || !current()) return 'release';
    answer = initAck(s, await connection.init(hello(s)));
    if (!current()) return retryDelay(s);
  }
  if (!answer.ok) {
    // A wrong hash changed nothing on the server: drop the claim, say so, bind again without it.
    if (answer.error.code === 'invalid_identity') {
      s.identity = undefined;
      fail(s, 'invalid_identity', answer.error.message);
      return 0;
    }
    if (answer.error.code !== 'origin_not_allowed') return retryDelay(s, answer);
    refuse(s, answer.error.message);
    return 'release';
  }
  const { sessionId } = answer;
  s.bound = sessionId;
  saveRecord(s, sessionId, answer.token, !answer.resumed);
  countUnread(s, answer.missed);
  await s.cache.commit(
    answer.missed.map((m) => ({ ...m, siteKey: s.siteKey, status: 'sent', sessionId })),
  );
  if (answer.task !== undefined) s.task.show(answer.task);
  s.retention.apply(answer.retention);
  return 'bound';
}
