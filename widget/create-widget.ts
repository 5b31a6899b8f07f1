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
import type { EmbedConfig, WidgetUpdate } from './embed-config.js';
import { createHost, showLauncher, updateLook, type WidgetHost } from './host.js';
import { clearHighlights, runPageStep } from './page-steps.js';
import { loadStrings, type StringOverrides, type Strings } from './strings.js';
import { App } from './ui/app.js';

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
  return startWidget(createHost(options), options, loadStrings(options.lang ?? 'en'));
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
  const client = createClient({
    ...options,
    siteKey: options.siteKey ?? 'default',
    defaultOpen: options.defaultOpen ?? options.open ?? false,
    visitorIdCookie: options.visitorIdCookie ?? !options.noVisitorId,
    runStep: options.runStep ?? runPageStep,
    ...(db && !options.history ? { history: () => openHistory(db) } : {}),
  });
  let table = strings;
  /** Renders with the current title and strings; a language asked for since then wins. */
  const draw = (pending = table) =>
    void pending.then((s) => {
      if (!destroyed && pending === table)
        render(h(App, { client, config: look, strings: { ...s, ...options.strings } }), host.mount);
    });
  draw();
  const onLauncher = () => client.open();
  host.launcher.addEventListener('click', onLauncher);
  const launcherFollows = (state: ClientState) => {
    host.launcher.hidden = state.open;
  };
  // The agent's marks stay after its task (it talks about them); they go with the conversation.
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
