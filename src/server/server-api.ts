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
import {
  CONFIG_DEFAULTS,
  configSecrets,
  defaultSweepInterval,
  loadConfig,
  type ServerConfig,
  shortestIdleTtl,
} from './config.js';
import { createConversation } from './gateway/conversation.js';
import { createDisabledMessageLog, type MessageLog } from './log/message-log.js';
import { openMessageLog } from './log/open-message-log.js';
import { createJsonLogger, type Logger } from './logger.js';
import { loadSiteSettings, siteSettingsLookup } from './site-settings.js';
import { createMemorySessionStore } from './stores/memory-store.js';
import { SessionNotFoundError, type SessionStore } from './stores/session-store.js';

/**
 * What `createLeFluxServer` takes, every field optional: the settings the environment gives
 * `npm start` (as `ServerConfig` names them; each defaults as documented there, not from the
 * environment), and the replaceable parts.
 */
export interface LeFluxServerOptions
  extends Partial<Omit<ServerConfig, 'store' | 'sites' | 'widgetFile' | 'demoDir'>> {
  /**
   * Answers visitor messages (`agent.reply(ctx)`). Default: the demo agent with `demo`, else
   * none: messages are stored and wait for `post()`.
   */
  agent?: Agent;
  /** Live sessions. Default: in this process's memory. */
  store?: SessionStore;
  /**
   * The message log. Default: PostgreSQL at `databaseUrl` when set (needs `pg`), else a SQLite
   * file at `dbPath` (needs `libsql`); none with `messageLog: false`.
   */
  log?: MessageLog;
  /** The demo: its pages at `/`, the demo agent (unless `agent` is given), the crawl. Default false. */
  demo?: boolean;
  /** Where the server reports what it cannot throw. Default: JSON lines on stdout (needs `pino`). */
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
  const { agent, store: givenStore, log: givenLog, demo = false, logger: givenLogger } = options;
  const given = Object.fromEntries(
    Object.entries(options).filter(
      ([key, value]) =>
        value !== undefined && !['agent', 'store', 'log', 'demo', 'logger'].includes(key),
    ),
  ) as Partial<ServerConfig>;
  const defaults = loadConfig({});
  const sites = given.sitesFile ? loadSiteSettings(given.sitesFile) : defaults.sites;
  const idleTtlMs = given.idleTtlMs ?? defaults.idleTtlMs;
  const config: ServerConfig = {
    ...defaults,
    sweepIntervalMs: defaultSweepInterval(shortestIdleTtl(idleTtlMs, sites)),
    ...given,
    sites,
    crawl: demo && given.crawl !== false,
    // The repository's demo/ when there is one, else the copy the build puts in the package.
    demoDir: demo
      ? [join(root, 'demo'), join(root, 'dist', 'demo')].find((dir) => existsSync(dir))!
      : join(root, 'dist', 'no-demo'),
  };
  const logger =
    givenLogger ?? createJsonLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const lookup = siteSettingsLookup(sites);
  const store =
    givenStore ??
    createMemorySessionStore({ idleTtlMs, siteIdleTtlMs: (siteKey) => lookup(siteKey).idleTtlMs });
  const anySiteLogs = [...sites.values()].some((site) => site.messageLog === true);
  const log =
    givenLog ??
    (config.messageLog || anySiteLogs
      ? openMessageLog(config, { logger })
      : createDisabledMessageLog());
  const app = createApp(config, {
    store,
    log,
    agent: agent ?? (demo ? createDemoAgent() : silentAgent),
    logger,
  });
  if (!agent && !demo) {
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
    listen({ port = config.port, host = config.host } = {}) {
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
