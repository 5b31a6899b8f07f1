/**
 * `leflux/server`: the LeFlux server as a library (Node >= 20.19, ES modules).
 *
 * Its dependencies are optional peer dependencies of the package, so that an app using only the
 * browser SDK installs none of them: `socket.io`, `pino` (the default logger), `prom-client`
 * (metrics) and `rate-limiter-flexible` (the limits) for the server itself; `libsql` for the default (SQLite) message log, `pg` for the
 * PostgreSQL one; `ioredis` and `@socket.io/redis-adapter` for the Redis session store (several
 * nodes). A feature that needs a missing one fails with a `MissingDependencyError`
 * naming it and the install command; the stores, the logs and the types import without any.
 *
 * @example
 * import { createLeFluxServer } from 'leflux/server';
 * const server = await createLeFluxServer({ agent: { reply: async ({ message }) => ({ text: `You said ${message.text}` }) } });
 * await server.listen({ port: 8787 });
 */
import { ensureOptional } from './optional-dependency.js';
import type { LeFluxServer, LeFluxServerOptions } from './server.js';

export type * from '../protocol/dashboard.js';
export type * from '../protocol/index.js';
export type { Agent, AgentContext, AgentReply, AgentSession, TaskPlan } from './agent/agent.js';
export type { SessionData, ValueScope } from './agent/session-data.js';
export {
  createWebhookAgent,
  verifyWebhookSignature,
  type WebhookAgentOptions,
  type WebhookRequest,
  webhookSignature,
} from './agent/webhook-agent.js';
export { ConfigError } from './config-error.js';
export {
  createDisabledMessageLog,
  type DailyCount,
  type LoggedSession,
  type LogRange,
  type MessageLog,
  type MessageLogEntry,
  type RangeCursor,
  type SessionQuery,
} from './log/message-log.js';
export {
  openPostgresMessageLog,
  type PostgresMessageLogOptions,
} from './log/postgres-log.js';
export { openSqliteMessageLog, type SqliteMessageLogOptions } from './log/sqlite-log.js';
export { consoleLogger, type LogFields, type Logger, silentLogger } from './logger.js';
export { MissingDependencyError } from './optional-dependency.js';
export type { LeFluxServer, LeFluxServerOptions, PostMessage } from './server.js';
export { openPostgresSiteSettingsStore } from './settings/postgres-settings-store.js';
export type {
  SavedSiteSettings,
  SiteSettingsStore,
  SiteSettingsStoreOptions,
} from './settings/settings-store.js';
export { openSqliteSiteSettingsStore } from './settings/sqlite-settings-store.js';
export type { CrawledPage, SiteContext, SiteSearchResult } from './site/site-search.js';
export {
  createMemorySessionStore,
  type MemorySessionStoreOptions,
} from './stores/memory-store.js';
export {
  type AppendResult,
  type HistoryAppendOptions,
  type JsonValue,
  type SessionHistory,
  type SessionLock,
  SessionNotFoundError,
  type SessionRecord,
  type SessionRecords,
  type SessionStore,
  type SessionValues,
  type SocketBindings,
  TakenOverError,
  type Takeover,
  type TaskState,
  type TaskStore,
  type ValueStore,
  type VisitorAppend,
  type VisitorDetails,
  type WaitFilter,
  type WaitRecord,
  type WaitStore,
} from './stores/session-store.js';

/**
 * Creates a LeFlux server: the widget's files, the session API, socket.io, the agent and the
 * message log. Nothing listens until `listen()`, or `attach()` + `handle()` on your own server.
 * Rejects with a `MissingDependencyError` when `socket.io`, `prom-client`,
 * `rate-limiter-flexible` or (without a `logger`) `pino` is not installed, or the message log's `libsql` or `pg`, or with `storeKind: 'redis'`
 * `ioredis` or `@socket.io/redis-adapter`.
 *
 * @example
 * const server = await createLeFluxServer({ agent, messageLog: false });
 * const { url } = await server.listen({ port: 0 });
 */
export async function createLeFluxServer(options: LeFluxServerOptions = {}): Promise<LeFluxServer> {
  ensureOptional('the LeFlux server (leflux/server, npx leflux serve)', [
    'socket.io',
    'prom-client',
    ...(options.logger ? [] : ['pino']),
    'rate-limiter-flexible',
  ]);
  if (options.storeKind === 'redis') {
    ensureOptional('the Redis session store (LEFLUX_STORE=redis)', [
      'ioredis',
      '@socket.io/redis-adapter',
    ]);
  }
  // Imported only now: it imports socket.io and prom-client, which the check above found.
  const server = await import('./server.js');
  return server.createLeFluxServer(options);
}
