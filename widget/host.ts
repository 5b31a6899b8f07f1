import type { Position, Theme } from './embed-config.js';
import { CHAT_ICON_SVG } from './ui/launcher-icon.js';
import { STYLES } from './ui/styles.js';

/** The `<leflux-widget>` element, its open shadow root with our stylesheet, and where the UI renders. */
export interface WidgetHost {
  element: HTMLElement;
  root: ShadowRoot;
  /** Where the chat window renders, inside the `.root` element that carries our typography. */
  mount: HTMLElement;
  /**
   * The launcher: plain DOM, so it shows before (and without) the chat UI's code. The chat UI
   * hides it while the window is open.
   */
  launcher: HTMLButtonElement;
}

export function createHost(options: {
  position?: Position;
  theme?: Theme;
  container?: Element;
  /** The launcher's accessible name (`Open chat` in English). */
  label: string;
  /** Start hidden, when the window will open at once. */
  hideLauncher?: boolean;
}): WidgetHost {
  const element = document.createElement('leflux-widget');
  element.setAttribute('data-position', options.position ?? 'right');
  element.setAttribute('data-theme', options.theme ?? 'auto');
  const root = element.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = STYLES;
  const container = document.createElement('div');
  container.className = 'root';
  const mount = document.createElement('div');
  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'launcher';
  launcher.setAttribute('aria-label', options.label);
  launcher.innerHTML = CHAT_ICON_SVG;
  launcher.hidden = options.hideLauncher ?? false;
  container.append(launcher, mount);
  root.append(style, container);
  (options.container ?? document.body).appendChild(element);
  return { element, root, mount, launcher };
}
