import { type ChatMessage, LIMITS } from '../protocol/index.js';
import type { Session } from './session/session.js';
import type { TabMessage } from './tabs/tab-sync.js';
import type { ClientState } from './types.js';

/*
 * How the visitor left the window: open or closed, the composer's draft, and how many replies
 * came while it was closed. Kept in `leflux:widget` (so a reload or a navigation finds them) and
 * shown in every tab.
 */

type WidgetState = Pick<ClientState, 'open' | 'draft' | 'unread'>;

/** Shows a change here (with its `unread` event), without storing or telling anyone. */
function show(s: Session, patch: Partial<WidgetState>): void {
  const before = s.store.getState().unread;
  s.store.setState(patch);
  const { unread } = s.store.getState();
  if (unread !== before) s.emitter.emit('unread', unread);
}

function save(s: Session, patch: Partial<WidgetState>): void {
  show(s, patch);
  const { open, draft, unread } = s.store.getState();
  s.records.widget.write({ open, ...(draft ? { draft } : {}), ...(unread ? { unread } : {}) });
  s.tabs.post({ type: 'widget', open, draft, unread });
}

const toggled = (s: Session, open: boolean) => s.emitter.emit(open ? 'open' : 'close', undefined);

/** Opens or closes the window; returns whether that changed anything. */
export function setOpen(s: Session, open: boolean): boolean {
  if (s.store.getState().open === open) return false;
  // Opening the window in any tab is reading what came: the count goes, everywhere.
  save(s, open ? { open, unread: 0 } : { open });
  toggled(s, open);
  return true;
}

export function setDraft(s: Session, text: string): void {
  const draft = text.slice(0, LIMITS.maxTextLength);
  if (s.store.getState().draft !== draft) save(s, { draft });
}

/**
 * Messages from the server, before this tab shows them: the replies among them that it did not
 * have yet add to the unread count while the window is closed. Only the tab that receives them
 * counts them (the one holding the socket, or restoring); the others mirror the count.
 */
export function countUnread(s: Session, arrived: readonly ChatMessage[]): void {
  const replies = arrived.filter(
    (m) => m.author !== 'visitor' && !s.cache.conversation.get(m.id),
  ).length;
  if (replies === 0 || s.store.getState().open) return;
  // Read back first: another tab may have counted since this one last heard.
  const stored = s.records.widget.read()?.unread ?? 0;
  save(s, { unread: Math.max(stored, s.store.getState().unread) + replies });
}

/** Another tab changed them (and stored them). */
export function mirrorWidget(
  s: Session,
  { open, draft, unread }: Extract<TabMessage, { type: 'widget' }>,
) {
  const opened = s.store.getState().open !== open;
  show(s, unread === undefined ? { open, draft } : { open, draft, unread });
  if (opened) toggled(s, open);
}
