import { purgeSession } from '../transport/session-api.js';
import { fail, type Session } from './session.js';
import { liveRecord } from './session-record.js';

/**
 * The local part of clearing, in the tab that clears and in the tabs that hear of it: the
 * conversation, the socket and the session go; `stored`: the stored history too.
 */
export async function reset(s: Session, stored = false): Promise<void> {
  s.resets++;
  s.bound = undefined;
  s.link.release();
  s.store.setState({ sessionId: null });
  s.emitter.emit('clear', undefined);
  await s.cache.wipe(stored);
}

/** Ends the conversation everywhere: this tab, the site's other tabs, the server. */
export async function clear(s: Session, { forgetUser = false } = {}): Promise<void> {
  const ended = liveRecord(s);
  const { records, tabs } = s;
  records.session.remove();
  records.widget.remove();
  if (forgetUser) {
    records.user.remove();
    s.store.setState({ user: {} });
    tabs.post({ type: 'user', user: {} });
  }
  tabs.post({ type: 'clear' });
  await reset(s, true);
  if (!ended) return;
  const result = await purgeSession({
    server: s.server,
    sessionId: ended.id,
    token: ended.token,
    fetch: s.options.fetch,
  });
  if (!result.ok)
    fail(s, 'purge_failed', 'could not drop the conversation on the server', result.error);
}
