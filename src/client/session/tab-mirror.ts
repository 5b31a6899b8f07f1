import type { TabMessage } from '../tabs/tab-sync.js';
import { mirrorWidget } from '../widget-state.js';
import { reset } from './clear.js';
import type { Session } from './session.js';
import { liveRecord } from './session-record.js';

/**
 * What another tab of the site did, and has already stored: shown here, stored nothing. The tab
 * holding the socket also delivers what other tabs queued, and says how its socket is.
 */
export function mirror(s: Session, message: TabMessage): void {
  const { store, cache, link } = s;
  const state = link.state();
  switch (message.type) {
    case 'messages': {
      const changed = cache.mirror(message.messages);
      if (changed.some((m) => m.author !== 'visitor')) s.typing.hide();
      // The outbox is shared: the tab holding the socket delivers what others queued.
      if (state === 'bound' && changed.some((m) => m.status === 'pending')) void s.outbox.flush();
      return;
    }
    case 'widget':
      mirrorWidget(s, message);
      return;
    case 'session': {
      // The message, not this tab's localStorage, says which session is current: Chromium
      // hands another process's write to this tab's copy of localStorage a little after the
      // BroadcastChannel message that announces it. The record is read when it is needed (to
      // bind), by which time it is there.
      const id = message.sessionId;
      store.setState({ sessionId: id });
      if (id === null) {
        // Ended: nothing to follow, unless there is something to send.
        if (cache.conversation.pending().length === 0) link.release();
      } else if (state === 'bound' && id !== s.bound) {
        // Another tab started a newer session (possible only without Web Locks): take it up.
        link.rebind();
      } else {
        link.follow();
      }
      return;
    }
    case 'clear':
      // Already done here if the server's purge arrived first (see `evicted`).
      if (store.getState().sessionId || cache.conversation.list().length > 0) void reset(s);
      return;
    case 'typing':
      s.typing.show();
      return;
    case 'user':
      store.setState({ user: message.user });
      return;
    case 'bye':
      if (liveRecord(s)) link.vacated();
      return;
    case 'hello':
      if (state !== 'idle' && state !== 'yielded')
        s.tabs.post({ type: 'link', connected: state !== 'connecting' });
      return;
    case 'link':
      s.holderUp = message.connected;
      if (state === 'idle' || state === 'yielded') store.setState({ connected: message.connected });
      return;
  }
}
