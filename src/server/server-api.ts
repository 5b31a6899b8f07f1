/**
 * The public `LeFluxServer` (listen, attach, handle, post, close) over the app factory in
 * `app.ts`. Interim: the app factory is being reshaped to this API itself; until then this module
 * adapts it, and `index.ts` imports it lazily (it pulls in socket.io).
 */
import { existsSync } from 'node:fs';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ChatMessage } from '../protocol/index.js';
import type { Agent } from './agent/agent.js';
import { createDemoAgent } from './agent/demo-agent.js';
import { createLeFluxServer as createApp } from './app.js';
import { CONFIG_DEFAULTS, defaultSweepInterval, loadConfig, shortestIdleTtl } from './config.js';
import { createConversation } from './gateway/conversation.js';
import { createDisabledMessageLog, type MessageLog } from './log/message-log.js';
import { openSqliteMessageLog } from './log/sqlite-log.js';
import { consoleLogger, type Logger } from './logger.js';
import { loadSiteSettings, siteSettingsLookup } from './site-settings.js';
import { createMemorySessionStore } from './stores/memory-store.js';
import { SessionNotFoundError, type SessionStore } from './stores/session-store.js';

/** What `createLeFluxServer` takes; every field is optional. */
export interface LeFluxServerOptions {
  /**
   * Answers visitor messages (`agent.reply(ctx)`). Default: the demo agent with `demo`, else
   * none: messages are stored and logged, and wait for `post()`.
   */
  agent?: Agent;
  /** Live sessions. Default: in this process's memory. */
  store?: SessionStore;
  /**
   * The message log. Default: a SQLite file at `dbPath` (needs the optional dependency
   * `libsql`), or none with `messageLog: false`.
   */
  log?: MessageLog;
  /**
   * Keep a message log (`LEFLUX_MESSAGE_LOG`); a site's own `messageLog` setting wins. Default
   * true.
   */
  messageLog?: boolean;
  /** The default message log's SQLite file (`LEFLUX_DB`), or `:memory:`. Default `./data/leflux.sqlite`. */
  dbPath?: string;
  /** Where `listen()` listens by default (`PORT`, `HOST`). Default `8787`, `127.0.0.1`. */
  port?: number;
  host?: string;
  /** A session without visitor activity this long is evicted. Default 30 min. */
  idleTtlMs?: number;
  /** How long an agent task waits for a reloaded page. Default 30 s. */
  taskHoldMs?: number;
  /** How long an agent's question waits for the visitor's answer. Default 10 min. */
  waitTtlMs?: number;
  /** Lets an operator purge any session (`X-LeFlux-Admin-Key`). Default: unset. */
  adminKey?: string;
  /** A JSON file of per-site settings, as `LEFLUX_SITES`. Default: none. */
  sitesFile?: string;
  /** The demo: its pages at `/`, the demo agent (unless `agent` is given), the crawl. Default false. */
  demo?: boolean;
  /** With `demo`: crawl the demo's pages for the agent's answers (`LEFLUX_CRAWL`). Default true. */
  crawl?: boolean;
  /** Where the server reports what it cannot throw. Default: the console. */
  logger?: Logger;
}

/** A LeFlux server: HTTP routes, socket.io, sessions, agent and log, on your server or its own. */
export interface LeFluxServer {
  /** Starts an HTTP server of its own. Default `127.0.0.1:8787`; port 0 picks a free one. */
  listen(options?: { port?: number; host?: string }): Promise<{ url: string; port: number }>;
  /** Serves socket.io (`/socket.io/`) on an existing HTTP server; add `handle` for the routes. */
  attach(server: HttpServer): void;
  /**
   * LeFlux's HTTP routes as connect / Express middleware: `/widget.js`, `/leflux/*`, `/api/*`,
   * `/healthz` (and the demo's pages with `demo`); `next()` for any other path.
   */
  handle(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /**
   * Posts a message from the agent or an operator to the session, now: every open tab of the
   * visitor shows it. Rejects with `SessionNotFoundError` when the session is unknown or evicted.
   */
  post(sessionId: string, message: { text: string; name?: string }): Promise<ChatMessage>;
  /** Disconnects every socket, stops the timers, closes its HTTP server, the store and the log. */
  close(): Promise<void>;
}

/** The package's (or the repository's) root: two levels up from src/server/ and dist/server/. */
const root = join(CONFIG_DEFAULTS.widgetFile, '..', '..');

/** An agent that never answers: without one, messages wait for `post()`. */
const silentAgent: Agent = { reply: async () => null };

const OWN_PATHS = /^\/(widget\.js(\.map)?$|leflux\/|api\/|healthz$|socket\.io\/)/;

export async function createServerApi(options: LeFluxServerOptions): Promise<LeFluxServer> {
  const defaults = loadConfig({});
  const demo = options.demo ?? false;
  const idleTtlMs = options.idleTtlMs ?? defaults.idleTtlMs;
  const sites = options.sitesFile ? loadSiteSettings(options.sitesFile) : defaults.sites;
  const logger = options.logger ?? consoleLogger;
  const config = {
    ...defaults,
    idleTtlMs,
    taskHoldMs: options.taskHoldMs ?? defaults.taskHoldMs,
    waitTtlMs: options.waitTtlMs ?? defaults.waitTtlMs,
    adminKey: options.adminKey,
    sitesFile: options.sitesFile,
    sites,
    sweepIntervalMs: defaultSweepInterval(shortestIdleTtl(idleTtlMs, sites)),
    dbPath: options.dbPath ?? defaults.dbPath,
    messageLog: options.messageLog !== false,
    crawl: demo && options.crawl !== false,
    // The repository's demo/ when there is one, else the copy the build puts in the package.
    demoDir: demo
      ? [join(root, 'demo'), join(root, 'dist', 'demo')].find((dir) => existsSync(dir))!
      : join(root, 'dist', 'no-demo'),
  };
  const lookup = siteSettingsLookup(sites);
  const store =
    options.store ??
    createMemorySessionStore({ idleTtlMs, siteIdleTtlMs: (siteKey) => lookup(siteKey).idleTtlMs });
  const anySiteLogs = [...sites.values()].some((site) => site.messageLog === true);
  const log =
    options.log ??
    (config.messageLog || anySiteLogs
      ? openSqliteMessageLog(config.dbPath, { logger })
      : createDisabledMessageLog());
  const app = createApp(config, {
    store,
    log,
    agent: options.agent ?? (demo ? createDemoAgent() : silentAgent),
    logger,
  });
  if (!options.agent && !demo) {
    logger.warn(
      'no agent: visitor messages are stored and nobody answers them (pass an agent, or use the demo)',
    );
  }
  const conversation = createConversation({
    io: app.io,
    store,
    log,
    logged: (siteKey) => lookup(siteKey).messageLog ?? config.messageLog,
    now: Date.now,
    logger,
  });
  // socket.io wraps the server's request listeners: this one routes /socket.io/ and then ours.
  const [routes] = app.httpServer.listeners('request') as [
    (req: IncomingMessage, res: ServerResponse) => void,
  ];

  return {
    listen({ port = options.port ?? defaults.port, host = options.host ?? defaults.host } = {}) {
      config.port = port;
      config.host = host;
      return app.listen();
    },
    attach(server) {
      app.io.attach(server);
    },
    handle(req, res, next) {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (next && !demo && !OWN_PATHS.test(path)) return next();
      routes.call(app.httpServer, req, res);
    },
    async post(sessionId, { text }) {
      const message = await conversation.postAgentMessage(sessionId, text);
      if (!message) throw new SessionNotFoundError(sessionId);
      return message;
    },
    close: () => app.close(),
  };
}
