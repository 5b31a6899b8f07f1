import { applyAccent } from './accent.js';
import type { Position, Theme } from './embed-config.js';
import { adoptStyles } from './styles.js';
import LAUNCHER_CSS from './ui/launcher.css?inline';
import { chatIcon } from './ui/launcher-icon.js';

/** The `<leflux-widget>` element, its open shadow root with our stylesheet, and where the UI renders. */
export interface WidgetHost {
  element: HTMLElement;
  root: ShadowRoot;
  /** Where the chat window renders, inside the `.root` element that carries typography and `dir`. */
  mount: HTMLElement;
  /**
   * The launcher: plain DOM, so it shows before (and without) the chat UI's code. The chat UI
   * hides it while the window is open, and shows the unread count on it.
   */
  launcher: HTMLButtonElement;
}

export function createHost(options: {
  position?: Position;
  theme?: Theme;
  /** Writing direction of the UI (right-to-left for Arabic, Hebrew, or a `dir="rtl"` page). */
  dir?: 'ltr' | 'rtl';
  /** A CSS colour, already validated (`data-accent`). */
  accent?: string;
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
  adoptStyles(root, LAUNCHER_CSS);
  const container = document.createElement('div');
  container.className = 'root';
  container.dir = options.dir ?? 'ltr';
  const mount = document.createElement('div');
  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'launcher';
  launcher.setAttribute('aria-label', options.label);
  launcher.setAttribute('aria-expanded', 'false');
  launcher.append(chatIcon());
  launcher.hidden = options.hideLauncher ?? false;
  container.append(launcher, mount);
  root.append(container);
  (options.container ?? document.body).appendChild(element);
  if (options.accent) applyAccent(element, launcher, options.accent);
  return { element, root, mount, launcher };
}
