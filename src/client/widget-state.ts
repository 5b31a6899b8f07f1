import { LIMITS } from '../protocol/index.js';
import type { Session } from './session/session.js';
import type { TabMessage } from './tabs/tab-sync.js';
import type { ClientState } from './types.js';

/*
 * How the visitor left the window: open or closed, and the composer's draft. Kept in
 * `leflux:widget` (so a reload or a navigation finds them) and shown in every tab.
 */

function save(s: Session, patch: Partial<Pick<ClientState, 'open' | 'draft'>>): void {
  s.store.setState(patch);
  const { open, draft } = s.store.getState();
  s.records.widget.write(draft ? { open, draft } : { open });
  s.tabs.post({ type: 'widget', open, draft });
}

const toggled = (s: Session, open: boolean) => s.emitter.emit(open ? 'open' : 'close', undefined);

/** Opens or closes the window; returns whether that changed anything. */
export function setOpen(s: Session, open: boolean): boolean {
  if (s.store.getState().open === open) return false;
  save(s, { open });
  toggled(s, open);
  return true;
}

export function setDraft(s: Session, text: string): void {
  const draft = text.slice(0, LIMITS.maxTextLength);
  if (s.store.getState().draft !== draft) save(s, { draft });
}

/** Another tab changed them (and stored them). */
export function mirrorWidget(s: Session, { open, draft }: Extract<TabMessage, { type: 'widget' }>) {
  const opened = s.store.getState().open !== open;
  s.store.setState({ open, draft });
  if (opened) toggled(s, open);
}
