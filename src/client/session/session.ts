import type { Failure, IdentityClaim } from '../../protocol/index.js';
import type { ActivityTracker } from '../activity.js';
import type { Emitter } from '../emitter.js';
import { type ClientErrorCode, LeFluxError } from '../errors.js';
import type { Schedule } from '../schedule.js';
import type { StateStore } from '../state.js';
import type { SessionRecords } from '../storage/session-records.js';
import type { TabSync } from '../tabs/tab-sync.js';
import type { AgentTask } from '../tasks/agent-task.js';
import type { ClientEvents, ClientOptions, ClientState } from '../types.js';
import type { Cache } from './cache.js';
import type { Link } from './link.js';
import type { Outbox } from './outbox.js';
import type { Retention } from './session-record.js';
import type { TypingIndicator } from './typing.js';

/**
 * One client's session as the modules of this folder share it: its settings, the state the UI
 * renders, storage, the other tabs, its parts, and the few facts they share. `create-client.ts`
 * builds and wires it; each module takes it and reads what it needs. (One object rather than an
 * options bag per module: the widget bundle is weighed, and every name in a bag is bytes.)
 */
export interface Session {
  readonly options: ClientOptions;
  readonly siteKey: string;
  /** The server's origin, without a trailing slash. */
  readonly server: string;
  readonly now: () => number;
  readonly schedule: Schedule;
  readonly page: () => { url: string; title: string };
  readonly isVisible: () => boolean;
  readonly store: StateStore<ClientState>;
  readonly records: SessionRecords;
  readonly retention: Retention;
  readonly emitter: Emitter<ClientEvents>;
  tabs: TabSync;
  activity: ActivityTracker;
  task: AgentTask;
  cache: Cache;
  link: Link;
  outbox: Outbox;
  typing: TypingIndicator;
  /** The server session this tab's socket holds, once bound. */
  bound?: string;
  /** Counts clears: whatever began before one is stale by the time it lands. */
  resets: number;
  /** Whether the tab holding the socket says its socket is up (for the tabs that follow it). */
  holderUp: boolean;
  /** The server refused this page's origin (said once). */
  refused?: boolean;
  /** `identify({ userId, userHash })` on this page, checked; sent with every `session_init`. */
  identity?: { ok: true; value: IdentityClaim };
  destroyed: boolean;
}

/**
 * Ms until trying again after `failure`: what the server asked (`retryAfter`, shown as
 * `retryAt`), else `retryMs`.
 */
export function retryDelay(s: Session, failure?: Failure): number {
  const seconds = failure?.error.retryAfter;
  if (seconds === undefined) return s.options.retryMs ?? 3_000;
  s.store.setState({ retryAt: s.now() + seconds * 1000 });
  return seconds * 1000;
}

/** Reports an async failure: the `error` event, never a throw. */
export const fail = (s: Session, code: ClientErrorCode, message: string, cause?: unknown): void =>
  s.emitter.emit('error', new LeFluxError(code, message, { cause }));
