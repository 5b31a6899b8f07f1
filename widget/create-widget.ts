import { h, render } from 'preact';
import {
  type ClientEvents,
  type ClientOptions,
  type ClientState,
  createClient,
  type LeFluxClient,
  type SessionSnapshot,
} from '../src/client/index.js';
import { openHistory } from '../src/client/storage/history.js';
import type { ChatMessage } from '../src/protocol/index.js';
import { isColor } from './accent.js';
import { directionOf, type EmbedConfig, type WidgetUpdate } from './embed-config.js';
import { createHost, showLauncher, updateLook, type WidgetHost } from './host.js';
import { loadStrings, type StringOverrides, type Strings } from './strings.js';
import { adoptStyles } from './styles.js';
import { App } from './ui/app.js';
import CHAT_CSS from './ui/chat.css?inline';
import { showUnread } from './unread-badge.js';
import { followViewport } from './viewport.js';

export interface WidgetOptions
  extends Partial<EmbedConfig>,
    Omit<ClientOptions, 'server' | 'siteKey'> {
  /** LeFlux server origin. */
  server: string;
  /** Element to attach `<leflux-widget>` to. Default `document.body`. */
  container?: Element;
  /** The site's own wording for any UI string (and `openChat`, the launcher), in any language. */
  strings?: StringOverrides;
}

/** The agent's page steps, loaded the first time the agent sends one (a plain chat never does). */
type PageSteps = typeof import('./page-steps.js');

/** The contract's JavaScript API (`window.LeFlux`). */
export interface LeFluxWidget {
  open(): void;
  close(): void;
  toggle(): void;
  /** Rejects with a `LeFluxError` (`invalid_message`) on an empty or over-long text. */
  send(text: string): Promise<ChatMessage>;
  /** Ends the conversation in every tab and on the server; the next message starts a new session. */
  clear(options?: { forgetUser?: boolean }): Promise<void>;
  identify: LeFluxClient['identify'];
  activity: LeFluxClient['activity'];
  getSession(): SessionSnapshot;
  /** Calls `handler` on each `event`; returns the function that stops it. */
  on<K extends keyof ClientEvents>(
    event: K,
    handler: (payload: ClientEvents[K]) => void,
  ): () => void;
  off<K extends keyof ClientEvents>(event: K, handler: (payload: ClientEvents[K]) => void): void;
  /**
   * Changes the title, theme, language or position at run time. Checked like the embed's
   * attributes: an invalid value logs one warning and the current one stays.
   */
  update(changes: WidgetUpdate): void;
  /** Shows the launcher again after `hide()`. */
  show(): void;
  /** Hides the launcher (the site opens the chat its own way, e.g. `open()` from its button). */
  hide(): void;
  destroy(): void;
  /** The headless client underneath, for advanced integrations. */
  readonly client: LeFluxClient;
}

/**
 * Mounts the chat widget in an open shadow root on a `<leflux-widget>` element.
 *
 * @example
 * const widget = createWidget({ server: 'https://chat.example.com', siteKey: 'acme', title: 'Help' });
 * widget.open();
 */
export function createWidget(options: WidgetOptions): LeFluxWidget {
  const lang = options.lang ?? 'en';
  let { accent } = options;
  if (accent !== undefined && !isColor(accent)) {
    console.warn(`[leflux] accent=${JSON.stringify(accent)} is not a CSS colour; ignored.`);
    accent = undefined;
  }
  // Right to left, the launcher docks at the end of the line (left) unless told where.
  const position = options.position ?? (directionOf(lang) === 'rtl' ? 'left' : 'right');
  const config = { ...options, accent, position };
  return startWidget(createHost(config), config, loadStrings(lang));
}

/**
 * Renders the chat UI into a host made earlier (by `createWidget`, or by the embed's launcher),
 * once `strings` (fetched alongside this chunk) are there; the API works at once either way.
 */
export function startWidget(
  host: WidgetHost,
  options: WidgetOptions,
  strings: Promise<Strings>,
  /** The history database `widget.js` began opening (see loader.ts). */
  db?: Promise<IDBDatabase | undefined>,
): LeFluxWidget {
  const look = {
    title: options.title ?? 'Chat',
    theme: options.theme ?? 'auto',
    lang: options.lang ?? 'en',
    position: options.position ?? 'right',
  };
  let destroyed = false;
  let steps: Promise<PageSteps> | undefined;
  const pageSteps = () => {
    steps ??= import('./page-steps.js');
    return steps;
  };
  const client = createClient({
    ...options,
    siteKey: options.siteKey ?? 'default',
    defaultOpen: options.defaultOpen ?? options.open ?? false,
    visitorIdCookie: options.visitorIdCookie ?? !options.noVisitorId,
    runStep:
      options.runStep ??
      ((action, context) => pageSteps().then((m) => m.runPageStep(action, context))),
    ...(db && !options.history ? { history: () => openHistory(db) } : {}),
  });
  adoptStyles(host.root, CHAT_CSS);
  let table = strings;
  /** The strings on screen (with the site's own), once loaded: the unread count's words too. */
  let shown: Strings | undefined;
  /** Renders with the current title and strings; a language asked for since then wins. */
  const draw = (pending = table) =>
    void pending.then((s) => {
      if (destroyed || pending !== table) return;
      shown = { ...s, ...options.strings };
      render(h(App, { client, config: look, strings: shown }), host.mount);
      showUnread(host.launcher, client.getState().unread, shown);
    });
  draw();
  const onLauncher = () => client.open();
  host.launcher.addEventListener('click', onLauncher);
  let unfollow: (() => void) | undefined;
  const launcherFollows = (state: ClientState, previous?: ClientState) => {
    const { launcher } = host;
    if (state.open !== previous?.open) {
      // Closed from inside the window (Escape, Close): the keyboard goes back to the launcher.
      const focusInside = host.root.activeElement !== null;
      launcher.hidden = state.open;
      launcher.setAttribute('aria-expanded', String(state.open));
      if (!state.open && previous && focusInside) launcher.focus();
      unfollow?.();
      unfollow = state.open ? followViewport(host.element) : undefined;
    }
    if (shown && state.unread !== previous?.unread) showUnread(launcher, state.unread, shown);
  };
  // The agent's marks stay after its task (it talks about them); they go with the conversation.
  const clearHighlights = () => void steps?.then((m) => m.clearHighlights());
  const offClear = client.on('clear', clearHighlights);
  launcherFollows(client.getState());
  const unsubscribe = client.subscribe(launcherFollows);

  return {
    client,
    open: client.open,
    close: client.close,
    toggle: client.toggle,
    send: client.send,
    clear: client.clear,
    identify: client.identify,
    activity: client.activity,
    getSession: client.getSession,
    on: client.on,
    off: client.off,
    update(changes) {
      const { lang } = look;
      updateLook(host, look, changes, options.strings);
      if (look.lang !== lang) table = loadStrings(look.lang);
      draw();
    },
    show: () => showLauncher(host, true),
    hide: () => showLauncher(host, false),
    destroy() {
      destroyed = true;
      unsubscribe();
      unfollow?.();
      offClear();
      clearHighlights();
      host.launcher.removeEventListener('click', onLauncher);
      render(null, host.mount);
      host.element.remove();
      client.destroy();
    },
  };
}

declare global {
  interface Window {
    /** The contract's JavaScript API, put in place by `widget.js`. */
    LeFlux?: LeFluxWidget;
  }
}
