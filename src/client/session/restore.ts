import type { RestoreResult } from '../transport/session-api.js';
import { countUnread } from '../widget-state.js';
import { fail, type Session } from './session.js';
import { sessionGone } from './session-record.js';

/**
 * What the restore answer (`POST /api/session/:id`) means for the cached conversation: the
 * server's history merged in by id, or, when the server no longer has the session (404), the
 * cached messages kept on screen as an earlier conversation. Nothing, when the tab moved on
 * meanwhile (`current()` false: cleared, or another session taken up): the answer is then about
 * a conversation this tab no longer shows, and writing it would bring cleared messages back.
 */
export async function restore(
  s: Session,
  result: RestoreResult,
  sessionId: string,
  current: () => boolean,
): Promise<void> {
  if (!current()) return;
  if (result.kind === 'gone') return sessionGone(s);
  if (result.kind === 'failed')
    return fail(
      s,
      'restore_failed',
      'could not reach the server to restore the conversation',
      result.error,
    );
  if (result.dropped > 0)
    fail(
      s,
      'invalid_message',
      `dropped ${result.dropped} malformed message(s) of the restored history`,
    );
  countUnread(s, result.history);
  await s.cache.commit(
    result.history.map((m) => ({ ...m, siteKey: s.siteKey, status: 'sent', sessionId })),
  );
  s.task.show(result.task);
  s.retention.apply(result.retention);
  s.emitter.emit('restore', { sessionId, messages: result.history.length });
}
