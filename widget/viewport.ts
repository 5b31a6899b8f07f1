/**
 * Phones (a viewport under 480 px wide): while the window is open it is the screen. The page
 * behind it must not scroll (its root gets `overflow: hidden`, put back on close), and the
 * composer must stay above the on-screen keyboard, which shrinks the visual viewport but not the
 * layout one: the window follows `visualViewport` through two custom properties on the host
 * (`--lf-vh`, `--lf-vt`, read by chat.css). CSSOM writes only, which a strict CSP allows.
 */
export const PHONE_WIDTH = 480;

export function followViewport(host: HTMLElement): () => void {
  const root = document.documentElement;
  const previous = root.style.getPropertyValue('overflow');
  const priority = root.style.getPropertyPriority('overflow');
  const viewport = window.visualViewport;
  let locked = false;
  const update = () => {
    const phone = innerWidth < PHONE_WIDTH;
    if (phone !== locked) {
      locked = phone;
      if (phone) root.style.setProperty('overflow', 'hidden', 'important');
      else root.style.setProperty('overflow', previous, priority);
    }
    if (phone && viewport) {
      host.style.setProperty('--lf-vh', `${viewport.height}px`);
      host.style.setProperty('--lf-vt', `${viewport.offsetTop}px`);
    } else {
      host.style.removeProperty('--lf-vh');
      host.style.removeProperty('--lf-vt');
    }
  };
  update();
  addEventListener('resize', update);
  viewport?.addEventListener('resize', update);
  viewport?.addEventListener('scroll', update);
  return () => {
    removeEventListener('resize', update);
    viewport?.removeEventListener('resize', update);
    viewport?.removeEventListener('scroll', update);
    if (locked) root.style.setProperty('overflow', previous, priority);
    host.style.removeProperty('--lf-vh');
    host.style.removeProperty('--lf-vt');
  };
}
