import type { Strings } from './strings.js';

/**
 * The unread count on the launcher (`[data-part="unread"]`, absent at 0). The number alone is
 * what shows; screen readers get it as the launcher's description ("New replies: 2"), its name
 * staying "Open chat".
 */
export function showUnread(launcher: HTMLElement, count: number, strings: Strings): void {
  let badge = launcher.querySelector<HTMLElement>('[data-part="unread"]');
  let said = launcher.querySelector<HTMLElement>('#leflux-unread');
  if (count <= 0) {
    badge?.remove();
    said?.remove();
    launcher.removeAttribute('aria-describedby');
    return;
  }
  if (!badge || !said) {
    badge = document.createElement('span');
    badge.className = 'unread';
    badge.dataset.part = 'unread';
    badge.setAttribute('aria-hidden', 'true');
    said = document.createElement('span');
    said.id = 'leflux-unread';
    said.className = 'sr-only';
    launcher.append(badge, said);
    launcher.setAttribute('aria-describedby', said.id);
  }
  badge.textContent = String(count);
  said.textContent = strings.unread.replace('{count}', String(count));
}
