import { h, render } from 'preact';
import {
  type ClientEvents,
  type ClientOptions,
  createClient,
  type LeFluxClient,
  type SessionSnapshot,
} from '../src/client/index.js';
import type { ChatMessage } from '../src/protocol/index.js';
import type { EmbedConfig } from './embed-config.js';
import { STRINGS } from './strings.js';
import { App } from './ui/app.js';
import { STYLES } from './ui/styles.js';

export interface WidgetOptions
  extends Partial<EmbedConfig>,
    Omit<ClientOptions, 'server' | 'siteKey'> {
  /** LeFlux server origin. */
  server: string;
  /** Element to attach `<leflux-widget>` to. Default `document.body`. */
  container?: Element;
}

/** The contract's JavaScript API (`window.LeFlux`). */
export interface LeFluxWidget {
  open(): void;
  close(): void;
  toggle(): void;
  send(text: string): Promise<ChatMessage | null>;
  /** Ends the conversation in every tab and on the server; the next message starts a new session. */
  clear(): Promise<void>;
  getSession(): SessionSnapshot;
  on<K extends keyof ClientEvents>(event: K, handler: (payload: ClientEvents[K]) => void): void;
  off<K extends keyof ClientEvents>(event: K, handler: (payload: ClientEvents[K]) => void): void;
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
  const {
    container = document.body,
    position = 'right',
    theme = 'auto',
    title = 'Chat',
    lang = 'en',
  } = options;
  const client = createClient({
    ...options,
    siteKey: options.siteKey ?? 'default',
    defaultOpen: options.defaultOpen ?? options.open ?? false,
  });

  const host = document.createElement('leflux-widget');
  host.setAttribute('data-position', position);
  host.setAttribute('data-theme', theme);
  const root = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = STYLES;
  root.appendChild(style);
  const mount = document.createElement('div');
  mount.className = 'root';
  root.appendChild(mount);
  container.appendChild(host);
  render(h(App, { client, config: { title }, strings: STRINGS[lang] }), mount);

  return {
    client,
    open: client.open,
    close: client.close,
    toggle: client.toggle,
    send: client.send,
    clear: client.clear,
    getSession: client.getSession,
    on: (event, handler) => void client.on(event, handler),
    off: client.off,
    destroy() {
      render(null, mount);
      host.remove();
      client.destroy();
    },
  };
}
