/** The client's public types, in one place: options, state, events and the client itself. */
import type { ChatMessage, ContactDetails, IdentityClaim, TaskInfo } from '../protocol/index.js';
import type { LeFluxError } from './errors.js';
import type { Schedule } from './schedule.js';
import type { StateStore } from './state.js';
import type { HistoryStore, StoredMessage } from './storage/history.js';
import type { TabMessage, TabSync } from './tabs/tab-sync.js';
import type { RunStep, TaskEvent } from './tasks/agent-task.js';
import type { Connection, ConnectionOptions } from './transport/connection.js';

export interface ClientOptions {
  /** LeFlux server origin, e.g. `https://chat.example.com`. */
  server: string;
  /** Tenant key; scopes the stored session and history. Default `default`. */
  siteKey?: string;
  /** Session and widget-state lifetime, counted from the last write. Default 24 h. */
  sessionTtlMs?: number;
  /** Lifetime of `leflux:user` (contact details), counted from the last write. Default 30 days. */
  userTtlMs?: number;
  /** Write and send the anonymous `leflux:visitorId` cookie. Default true; false for `data-no-visitor-id`. */
  visitorIdCookie?: boolean;
  /** Open the window when the visitor has no stored open/closed state (first visit). Default false. */
  defaultOpen?: boolean;
  /**
   * How long a tab stays read-only after another tab took the session by sending (at most 3 s
   * is the product's rule). Default 2 s.
   */
  takeoverHoldMs?: number;
  /**
   * How long before a `session_init` or a message that got no usable answer on a live socket is
   * tried again (socket.io reconnects a dropped socket on its own). Default 3 s.
   */
  retryMs?: number;
  /** Clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
  /** Timers (read-only period, retries, ack timeouts), injectable for tests. Default `setTimeout`. */
  schedule?: Schedule;
  /**
   * Where the site's tabs elect the one that holds the socket. Default `navigator.locks` (the
   * Web Locks API); `null`, or where it is missing: each tab connects for what it found at load
   * and the server's "newer wins" decides.
   */
  locks?: LockManager | null;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Where records live. Default `window.localStorage`, falling back to memory. */
  localStorage?: () => Storage | undefined;
  /**
   * Where history lives. Default IndexedDB (falling back to memory), opened only when a record or
   * an existing database says there is something to read, or on the first write; a store passed
   * here is always opened.
   */
  history?: () => Promise<HistoryStore>;
  /** The page the visitor is on, reported to the server. Default `location` and `document.title`. */
  page?: () => { url: string; title: string };
  /** Whether this tab is the one the visitor is looking at. Default `document.visibilityState`. */
  isVisible?: () => boolean;
  /** Connects this tab to the site's other tabs. Default BroadcastChannel / storage events. */
  tabs?: (onMessage: (message: TabMessage) => void) => TabSync;
  /**
   * Runs one agent task step on the page (the widget passes its DOM executor). Without it, steps
   * are answered as failed: a headless client has no page to act on.
   */
  runStep?: RunStep;
  /** Opens the socket. Default socket.io-client; tests may pass a fake. */
  connect?: (options: ConnectionOptions) => Promise<Connection>;
}

export interface ClientState {
  /** `loading`: nothing read yet; `restoring`: cache on screen, server not answered; `ready`. */
  phase: 'loading' | 'restoring' | 'ready';
  open: boolean;
  messages: readonly StoredMessage[];
  /** The live server session, or null (none yet, or only an earlier conversation). */
  sessionId: string | null;
  /**
   * The conversation is live: this tab's socket is up, or the tab holding the socket says its
   * socket is up (one socket per session; the other tabs mirror it).
   */
  connected: boolean;
  /** True for a few seconds after another tab took the session over. */
  readOnly: boolean;
  /** Contact details the visitor gave (kept 30 days). */
  user: ContactDetails;
  /** What the visitor has typed and not sent yet; kept with the window state, shown in every tab. */
  draft: string;
  /** The agent task in flight, for the "agent is doing…" line; null when none. */
  task: TaskInfo | null;
  /** The agent (or an operator) is writing: until its next message, 30 s at most. */
  typing: boolean;
  /**
   * The server asked this tab to wait (too many messages or new conversations from here, or a
   * full server: `rate_limited`, `server_full`): when it tries again (epoch ms). What waits stays
   * pending and goes then. Null otherwise.
   */
  retryAt: number | null;
  /**
   * Replies (agent, operator, system) that came while the window was closed, shared by the site's
   * tabs and kept with the window state; opening the window in any tab sets it back to 0.
   */
  unread: number;
}

export interface Activity {
  /** Ms the page was visible with the session alive, summed across page loads. */
  activeTime: number;
  /** Epoch ms of the visitor's last action, or null. */
  lastActive: number | null;
  /** Whether this browser had an earlier session (within the 30 days of `leflux:user`). */
  isReturningUser: boolean;
}

export interface ClientEvents {
  open: undefined;
  close: undefined;
  message: ChatMessage;
  restore: { sessionId: string; messages: number };
  takeover: undefined;
  clear: undefined;
  task: TaskEvent;
  error: LeFluxError;
  /** The unread count changed (`ClientState.unread`): in every tab of the site. */
  unread: number;
}

export interface SessionSnapshot {
  id: string | null;
  readOnly: boolean;
  connected: boolean;
}

/** The headless SDK: all conversation state and its persistence, no rendering. */
export interface LeFluxClient extends Pick<StateStore<ClientState>, 'getState' | 'subscribe'> {
  open(): void;
  close(): void;
  toggle(): void;
  /**
   * Sends a visitor message; resolves with it once stored locally (delivery continues in the
   * background, by whichever tab holds the socket). Rejects with a `LeFluxError`
   * (`invalid_message`) on an empty or over-long text, which is also emitted as `error`.
   */
  send(text: string): Promise<ChatMessage>;
  /** Sets the composer's draft (kept with the window state, mirrored to the other tabs). */
  setDraft(text: string): void;
  getSession(): SessionSnapshot;
  on<K extends keyof ClientEvents>(
    event: K,
    handler: (payload: ClientEvents[K]) => void,
  ): () => void;
  off<K extends keyof ClientEvents>(event: K, handler: (payload: ClientEvents[K]) => void): void;
  /**
   * Ends the conversation everywhere: this tab, the site's other tabs, and the server. Contact
   * details stay unless `forgetUser` is set.
   */
  clear(options?: { forgetUser?: boolean }): Promise<void>;
  /**
   * Stores the visitor's contact details for 30 days and tells the server (unless `tellServer` is
   * false: the in-chat form's answer reaches the server as the message itself). Invalid values
   * are a programmer error: it rejects with a `LeFluxError` (`invalid_contact`) naming the
   * fields, and stores nothing.
   *
   * `userId` with `userHash` (the hex HMAC-SHA256 of `userId` keyed by the site's
   * `identitySecret`, computed on the site's backend) tells the server who the visitor is. It is
   * kept in this page's memory only, never in browser storage: call it on every page.
   * A malformed one rejects with `invalid_identity`; a hash the server refuses emits `error`
   * (`invalid_identity`) and the session keeps the identity it had. Without `userHash`, or on a
   * site without a secret, the server keeps the user id as an unverified claim.
   */
  identify(
    details: ContactDetails & Partial<IdentityClaim>,
    options?: { tellServer?: boolean },
  ): Promise<void>;
  activity(): Activity;
  /** Resolves once the cached conversation is loaded and the restore has been answered (or failed). */
  ready(): Promise<void>;
  destroy(): void;
}
