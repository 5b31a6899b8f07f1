import type { AgentDispatch } from '../agent/dispatch.js';
import type { Conversation } from '../conversation/conversation.js';
import type { InboxFeed } from '../conversation/inbox-feed.js';
import type { SessionChannel } from '../conversation/session-channel.js';
import type { RateLimiter } from '../limits/rate-limits.js';
import type { MessageLog } from '../log/message-log.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SiteSettingsLookup } from '../site-settings.js';
import type { SessionStore } from '../stores/session-store.js';
import type { TaskRunner } from '../tasks/task-runner.js';

/** What the session services are built on; one object shared by all of them. */
export interface SessionServiceDeps {
  store: SessionStore;
  log: MessageLog;
  conversation: Conversation;
  tasks: TaskRunner;
  dispatch: AgentDispatch;
  channel: SessionChannel;
  /** The sites' dashboards: told when a session starts, changes or ends. */
  feed: InboxFeed;
  /** Per-site settings: allowed origins and browser retention. */
  sites: SiteSettingsLookup;
  /** The rate limits (session starts, messages, restores, purges, misses). */
  limiter: RateLimiter;
  now: () => number;
  logger: Logger;
  /** Counts restores and takeovers. */
  metrics?: Metrics;
}
