import { applyAccent } from './accent.js';
import {
  applySettings,
  directionOf,
  type EmbedConfig,
  settingRule,
  type WidgetUpdate,
} from './embed-config.js';
import { launcherLabel, type StringOverrides } from './strings.js';
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
   * hides it while the window is open and shows the unread count on it; `hide()` hides it for
   * good (see `showLauncher`).
   */
  launcher: HTMLButtonElement;
}

/** What the host shows before the chat UI: where it docks, its theme, the launcher's language. */
export type HostLook = Partial<Pick<EmbedConfig, 'position' | 'theme' | 'lang'>>;

/**
 * Applies `look` to the host (at creation, and on `update()`): docking, theme, the writing
 * direction (right to left for Arabic, Hebrew or a right-to-left page), and the launcher's
 * accessible name in `look.lang` (`Open chat` in English) or the site's own.
 */
export function styleHost(
  { element, mount, launcher }: WidgetHost,
  look: HostLook,
  strings?: StringOverrides,
): void {
  const lang = look.lang ?? 'en';
  if (look.position) element.setAttribute('data-position', look.position);
  if (look.theme) element.setAttribute('data-theme', look.theme);
  (mount.parentElement as HTMLElement).dir = directionOf(lang);
  launcher.setAttribute('aria-label', launcherLabel(lang, strings));
}

/**
 * `show()` / `hide()`: whether the site wants the launcher at all (a site with its own button
 * hides it). A host attribute, so it holds whatever the chat UI does with the launcher's
 * `hidden` while the window opens and closes (launcher.css).
 */
export function showLauncher({ element }: WidgetHost, shown: boolean): void {
  element.toggleAttribute('data-launcher-hidden', !shown);
}

export function createHost(
  options: HostLook & {
    container?: Element;
    /** The site's own wording (for the launcher's name). */
    strings?: StringOverrides;
    /** A CSS colour, already checked (`data-accent`). */
    accent?: string;
    /** Start hidden, when the window will open at once. */
    hideLauncher?: boolean;
  },
): WidgetHost {
  const element = document.createElement('leflux-widget');
  const root = element.attachShadow({ mode: 'open' });
  adoptStyles(root, LAUNCHER_CSS);
  const container = document.createElement('div');
  container.className = 'root';
  const mount = document.createElement('div');
  const launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'launcher';
  launcher.setAttribute('aria-expanded', 'false');
  launcher.append(chatIcon());
  launcher.hidden = options.hideLauncher ?? false;
  container.append(launcher, mount);
  root.append(container);
  const host = { element, root, mount, launcher };
  styleHost(
    host,
    { ...options, position: options.position ?? 'right', theme: options.theme ?? 'auto' },
    options.strings,
  );
  (options.container ?? document.body).appendChild(element);
  if (options.accent) applyAccent(element, launcher, options.accent);
  return host;
}

const UPDATABLE = ['title', 'theme', 'lang', 'position'];

/**
 * `update()`: checks `changes` as the embed's attributes are checked (an invalid value warns and
 * the current one stays), merges them into `look` and restyles the host. Rendering the new title
 * or language is the chat UI's part.
 */
export function updateLook(
  host: WidgetHost,
  look: Required<WidgetUpdate>,
  changes: unknown,
  strings?: StringOverrides,
): void {
  applySettings(
    look,
    changes,
    (key) => `update()${key && ` ${key}`}`,
    (key) => UPDATABLE.includes(key) && settingRule(key),
  );
  styleHost(host, look, strings);
}
