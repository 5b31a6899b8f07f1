import { createServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, Server as NetServer } from 'node:net';
import { Server } from 'socket.io';
import type { ChatMessage, PostMessageRequest } from '../protocol/index.js';
import type { Agent } from './agent/agent.js';
import { createDemoAgent } from './agent/demo-agent.js';
import { createAgentDispatch } from './agent/dispatch.js';
import { createWebhookAgent } from './agent/webhook-agent.js';
import {
  configSecrets,
  defaultSweepInterval,
  loadConfig,
  type ServerConfig,
  shortestIdleTtl,
} from './config.js';
import { createConversation } from './conversation/conversation.js';
import { unheardFeed } from './conversation/inbox-feed.js';
import { createRequestHandler, type RequestHandler } from './http/request-handler.js';
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
  type RateLimiter,
} from './limits/rate-limiter.js';
import { createDisabledMessageLog, type MessageLog } from './log/message-log.js';
import { openMessageLog } from './log/open-message-log.js';
import { createJsonLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { type MetricsServer, startMetricsServer } from './metrics/metrics-server.js';
import { attachDashboardGateway, createSocketInboxFeed } from './realtime/dashboard-gateway.js';
import { attachGateway, type LeFluxIo } from './realtime/gateway.js';
import { useRedisAdapter } from './realtime/redis-adapter.js';
import { createSocketChannel } from './realtime/socket-channel.js';
import { createInboxService } from './sessions/inbox.js';
import { sweepLogRetention } from './sessions/log-retention.js';
import { createOperatorAuth } from './sessions/operator-auth.js';
import { startSessionSweeper } from './sessions/session-sweeper.js';
import { createSessionServices } from './sessions/sessions.js';
import { createLiveSiteSettings } from './settings/live-site-settings.js';
import { openSiteSettingsStore } from './settings/open-settings-store.js';
import type { SiteSettingsStore } from './settings/settings-store.js';
import { type CrawlResult, crawlSite } from './site/site-crawler.js';
import { createSiteContext, type SiteContext } from './site/site-search.js';
import { siteAdminKeys } from './site-settings.js';
import { createMemorySessionStore } from './stores/memory-store.js';
import { openRedis, type RedisConnection } from './stores/redis-connection.js';
import { createRedisSessionStore } from './stores/redis-store.js';
import type { SessionStore } from './stores/session-store.js';
import { createTaskRunner } from './tasks/task-runner.js';

/**
 * What `createLeFluxServer` takes: the settings of `ServerConfig` (each defaults as documented
 * there, not from the environment: the CLI passes `loadConfig()`), and the replaceable parts.
 */
export interface LeFluxServerOptions extends Partial<ServerConfig> {
  /**
   * Who answers visitor messages. Default: the webhook agent when `agentUrl` is set, else the
   * demo agent when `demo` is on, else none: messages wait for `post` or the REST API.
   */
  agent?: Agent;
  /**
   * Live sessions. Default: the memory store, or with `storeKind: 'redis'` the Redis store at
   * `redisUrl` (which also puts socket.io on Redis, so several nodes share the sessions).
   */
  store?: SessionStore;
  /**
   * The message log. Default: PostgreSQL at `databaseUrl` when set, else SQLite at `dbPath`;
   * none with `messageLog: false`.
   */
  log?: MessageLog;
  /**
   * The site's context for the agent. Given: used as is, nothing is crawled. Default: with the
   * demo on, filled by crawling this server's own site once it listens (unless `crawl` is off).
   */
  site?: SiteContext;
  /** The clock for sessions, messages and tasks; tests fake it. Default `Date.now`. */
  now?: () => number;
  /**
   * Where the server reports what it cannot throw. Default: JSON lines on stdout at `logLevel`,
   * secrets redacted (`createJsonLogger`).
   */
  logger?: Logger;
  /** This node's Prometheus metrics. Default: a fresh registry (process metrics too when served). */
  metrics?: Metrics;
  /**
   * Where the rate limits count. Default: follows the session store (`storeKind`): in this
   * process for `memory`; in Redis, shared by the nodes, for `redis` (`createRedisRateLimiter`).
   */
  limiter?: RateLimiter;
  /**
   * Where the dashboard's site settings are kept. Default, when an admin key is configured:
   * beside the message log (PostgreSQL at `databaseUrl`, else the SQLite file `dbPath`); with a
   * `log` object given and neither of those, in memory. Without an admin key: none.
   */
  settingsStore?: SiteSettingsStore;
}

/** A message posted from outside a visitor's turn: an operator's, or an agent's late answer. */
export type PostMessage = PostMessageRequest;

export interface LeFluxServer {
  /**
   * Starts an HTTP server of its own with LeFlux's routes and socket.io; resolves with its
   * address. Default: `port` and `host` of the options (8787, 127.0.0.1); port 0 picks one.
   */
  listen(address?: {
    port?: number;
    host?: string;
  }): Promise<{ url: string; port: number; metricsUrl?: string }>;
  /**
   * Runs socket.io on an existing HTTP server (an Express app's). Call it after the server got
   * its request handler (socket.io answers `/socket.io/` before it). Routes come from `handle`.
   */
  attach(httpServer: HttpServer): void;
  /**
   * LeFlux's HTTP routes as connect/Express middleware: `app.use(leflux.handle)`. Paths it does
   * not serve go to `next()` (without `next`, they are answered 404).
   */
  handle: RequestHandler;
  /**
   * Posts a message to the visitor, now: stored, logged, shown in every open tab (or on the
   * next restore). Rejects with code `session_not_found` for an unknown session and
   * `invalid_payload` for a bad message (the limits of a visitor message).
   */
  post(sessionId: string, message: PostMessage): Promise<ChatMessage>;
  /** Shows the typing indicator in the visitor's tabs (until the next message or 30 s). */
  typing(sessionId: string): Promise<void>;
  /**
   * Stops taking connections (`GET /readyz` answers 503 from the first moment), tells the
   * widgets connected here to reconnect (through a load balancer they land on another node, as
   * after any dropped connection), gives the agent answers in flight up to `graceMs` to be posted
   * (default 0: aborted at once), lets the work already started finish, then closes the store and
   * the log (which writes what it holds). An attached HTTP server stays open.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  /** Resolves when queued messages, agent answers and task work have settled; for tests. */
  drain(): Promise<void>;
  /** The agent's view of the site; empty until the demo's crawl is done. */
  readonly site: SiteContext;
  /** This node's Prometheus metrics (served on `metricsPort` when set) and the hooks that count them. */
  readonly metrics: Metrics;
  /**
   * Settles once the crawl started by `listen()` or `attach()` is done (at once when there is
   * none); never rejects. Startup does not wait for it.
   */
  readonly crawled: Promise<CrawlResult>;
}

/** This server's own origin on loopback, for the crawl: a wildcard bind is reached via 127.0.0.1 / ::1. */
function loopbackOrigin({ address, family, port }: AddressInfo): string {
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return family === 'IPv6' || host.includes(':')
    ? `http://[${host}]:${port}`
    : `http://${host}:${port}`;
}

/** The options' settings over the defaults; the sweep follows a shorter idle TTL unless given. */
function settings(options: LeFluxServerOptions): ServerConfig {
  const {
    agent: _a,
    store: _s,
    log: _l,
    site: _t,
    now: _n,
    logger: _g,
    metrics: _m,
    limiter: _r,
    settingsStore: _ss,
    ...given
  } = options;
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const config: ServerConfig = { ...loadConfig({}), ...set };
  if (given.sweepIntervalMs === undefined) {
    config.sweepIntervalMs = defaultSweepInterval(shortestIdleTtl(config.idleTtlMs, config.sites));
  }
  return config;
}

/**
 * Builds the LeFlux server: session store, message log, agent, the socket.io gateway and the
 * HTTP routes, over one set of session services.
 *
 * @example
 * const leflux = await createLeFluxServer({ agent: myAgent, apiKey: process.env.LEFLUX_API_KEY });
 * await leflux.listen({ port: 8787 });
 * await leflux.post(sessionId, { text: 'Back in a minute!', name: 'Ada' });
 */
export async function createLeFluxServer(options: LeFluxServerOptions = {}): Promise<LeFluxServer> {
  const config = settings(options);
  const now = options.now ?? Date.now;
  const logger =
    options.logger ?? createJsonLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const metrics =
    options.metrics ?? createMetrics({ processMetrics: config.metricsPort !== undefined, logger });
  // The dashboard exists once someone can sign in to it.
  const dashboardOn = config.adminKey !== undefined || siteAdminKeys(config.sites).length > 0;
  // Beside the message log: in its database. A log given as an object has no database we know
  // of, unless dbPath or databaseUrl were given too; then the settings last for the process.
  const besideGivenLog =
    options.log !== undefined && options.dbPath === undefined && options.databaseUrl === undefined;
  const settingsStore =
    options.settingsStore ??
    (dashboardOn
      ? openSiteSettingsStore(besideGivenLog ? { dbPath: ':memory:' } : config, {
          onInvalid: (siteKey, reason) =>
            logger.warn(`saved settings of site ${siteKey} ignored: ${reason}`),
        })
      : undefined);
  if (dashboardOn && besideGivenLog && !options.settingsStore) {
    logger.info('dashboard settings kept in memory: pass settingsStore to keep them for good');
  }
  const liveSettings = createLiveSiteSettings({
    boot: config.sites,
    store: settingsStore,
    now,
    logger,
  });
  const sites = liveSettings.lookup;
  const siteIdleTtlMs = (siteKey: string) => sites(siteKey).idleTtlMs;
  const redis = config.storeKind === 'redis' ? await connectRedis(config, logger) : undefined;
  const store =
    options.store ??
    (redis
      ? createRedisSessionStore({
          client: redis.commands.client,
          ownsClient: false,
          keyPrefix: config.redisPrefix,
          idleTtlMs: config.idleTtlMs,
          siteIdleTtlMs,
          now,
          onLeaseLost: (sessionId) =>
            logger.warn(`the lock of session ${sessionId} ran out while its work was running`),
        })
      : createMemorySessionStore({ idleTtlMs: config.idleTtlMs, siteIdleTtlMs, now }));
  /** A site's `messageLog` setting wins over `LEFLUX_MESSAGE_LOG`. */
  const logged = (siteKey: string) => sites(siteKey).messageLog ?? config.messageLog;
  const anySiteLogs = [...config.sites.values()].some((site) => site.messageLog === true);
  const log =
    options.log ??
    // With a dashboard, a site may turn its log on at any time.
    (config.messageLog || anySiteLogs || dashboardOn
      ? openMessageLog(config, { logger })
      : createDisabledMessageLog());
  const agent =
    options.agent ??
    (config.agentUrl !== undefined && config.agentSecret !== undefined
      ? createWebhookAgent({
          url: config.agentUrl,
          secret: config.agentSecret,
          timeoutMs: config.agentTimeoutMs,
          logger,
        })
      : config.demo
        ? createDemoAgent()
        : undefined);
  const ownSite = createSiteContext();
  const site = options.site ?? ownSite;
  const crawlOn = config.demo && config.crawl && options.site === undefined;
  const stopCrawl = new AbortController();
  let crawlDone: (result: CrawlResult) => void = () => {};
  const crawled = new Promise<CrawlResult>((done) => {
    crawlDone = done;
  });

  /** Set once closing starts: `/readyz` answers 503 and no new socket is accepted. */
  let draining = false;
  const io: LeFluxIo = new Server({
    // Any page may connect; a site that lists its origins has them checked at session_init.
    cors: { origin: true },
    serveClient: false,
    // A draining node takes no new socket (its widgets are reconnecting to another node).
    allowRequest: (_req, answer) => answer(draining ? 'draining' : null, !draining),
    ...(config.pingIntervalMs !== undefined ? { pingInterval: config.pingIntervalMs } : {}),
  });
  if (redis) {
    await useRedisAdapter(io, {
      publisher: redis.commands.client,
      subscriber: redis.subscriber.client,
      keyPrefix: config.redisPrefix,
    });
  }
  const channel = createSocketChannel(io);
  // Nobody can listen without an admin key: no news then (a publish costs ~8 us per message).
  const feed = dashboardOn ? createSocketInboxFeed(io) : unheardFeed;
  const conversation = createConversation({
    store,
    log,
    channel,
    feed,
    logged,
    now,
    logger,
    metrics,
    // The sessions outlive this node: so must every message it acknowledged.
    durableLog: redis !== undefined,
  });
  const tasks = createTaskRunner({
    store,
    conversation,
    channel,
    now,
    logger,
    holdMs: config.taskHoldMs,
    waitTtlMs: config.waitTtlMs,
    pageActions: (siteKey) => sites(siteKey).pageActions,
  });
  const dispatch = createAgentDispatch({
    agent,
    store,
    conversation,
    tasks,
    site,
    logger,
    timeoutMs: config.agentTimeoutMs,
    metrics,
  });
  // With the Redis store (several nodes), the limits count in Redis too: every node together.
  const limiter =
    options.limiter ??
    (redis
      ? createRedisRateLimiter(config.limits, redis.commands.client, config.redisPrefix)
      : createMemoryRateLimiter(config.limits));
  const deps = {
    store,
    log,
    conversation,
    tasks,
    dispatch,
    channel,
    feed,
    sites,
    limiter,
    now,
    logger,
    metrics,
  };
  const sessions = createSessionServices(deps);
  const auth = createOperatorAuth({
    adminKey: config.adminKey,
    sites: config.sites,
    now,
    signInAttempts: config.signInAttempts,
    ...(redis && { shared: { redis: redis.commands.client, keyPrefix: config.redisPrefix } }),
  });
  const inbox = createInboxService({
    ...deps,
    sessions,
    settings: liveSettings,
    defaults: { idleTtlMs: config.idleTtlMs, messageLog: config.messageLog },
  });
  attachGateway({
    io,
    sessions,
    sites,
    logger,
    metrics,
    maxSessions: config.maxSessions,
    trustedProxies: config.trustedProxies,
  });
  attachDashboardGateway({ io, auth, logger });
  metrics.countSockets(() => io.of('/').sockets.size);
  metrics.countLiveSessions(() => store.sessions.count());
  const handle = createRequestHandler({
    sessions,
    store,
    log,
    logger,
    sites,
    trustedProxies: config.trustedProxies,
    adminKey: config.adminKey,
    apiKey: config.apiKey,
    widgetFile: config.widgetFile,
    demoDir: config.demo ? config.demoDir : undefined,
    dashboard: { dir: config.dashboardDir, inbox, auth, now },
    ready: () => !draining,
    metrics,
  });

  let attached: HttpServer | undefined;
  let own: HttpServer | undefined;
  let stopSweeper: (() => void) | undefined;
  let stopRetention: (() => void) | undefined;
  let stopFollowing: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  let metricsServer: MetricsServer | undefined;

  /** Crawls our own site in the background: never delays startup, never throws. */
  function startCrawl(address: AddressInfo) {
    if (!crawlOn) {
      crawlDone({ pages: [], failed: [] });
      return;
    }
    crawlSite({ origin: loopbackOrigin(address), signal: stopCrawl.signal })
      .then((result) => {
        if (stopCrawl.signal.aborted) return result;
        ownSite.replace(result.pages);
        logger.info(`crawled ${result.pages.length} page(s) of the site for the agent`);
        for (const { url, reason } of result.failed) logger.warn(`crawl skipped ${url}: ${reason}`);
        return result;
      })
      .catch((error: unknown) => {
        logger.warn('site crawl failed; the agent answers without it', error);
        return { pages: [], failed: [] };
      })
      .then(crawlDone);
  }

  function attach(httpServer: HttpServer): void {
    if (attached) throw new Error('this LeFlux server is already attached to an HTTP server');
    if (closing) throw new Error('this LeFlux server is closed');
    attached = httpServer;
    io.attach(httpServer);
    stopSweeper = startSessionSweeper({
      sweep: async (at) => metrics.evicted(await sessions.sweep(at)),
      intervalMs: config.sweepIntervalMs,
      now,
      logger,
    });
    const retention = (at: number) =>
      sweepLogRetention({ log, sites: liveSettings.sites, settings: sites, logger }, at);
    stopRetention = startSessionSweeper({
      sweep: retention,
      intervalMs: config.logRetentionSweepMs,
      now,
      logger,
    });
    // Once at start too: a server restarted daily would otherwise never get to it.
    retention(now()).catch((error: unknown) => logger.error('log retention failed', error));
    if (settingsStore) {
      // `listen` has read them already; an attached server reads them now, in the background.
      if (!own) {
        liveSettings
          .refresh()
          .catch((error: unknown) => logger.error('reading the saved site settings failed', error));
      }
      stopFollowing = liveSettings.follow(config.settingsRefreshMs);
    }
    const listening = () => startCrawl(httpServer.address() as AddressInfo);
    if (httpServer.listening) listening();
    else httpServer.once('listening', listening);
  }

  async function shutdown(graceMs: number): Promise<void> {
    draining = true;
    stopCrawl.abort();
    stopSweeper?.();
    stopRetention?.();
    stopFollowing?.();
    // Stop accepting connections first: widgets told to reconnect must land elsewhere (a load
    // balancer retries a refused connection on another node). net.Server's close, not
    // http.Server's: connections already open (a health checker's keep-alive one) stay, and
    // hear /readyz answer 503 until the end.
    const httpClosed =
      own && new Promise<void>((done) => NetServer.prototype.close.call(own, () => done()));
    // Close each widget's connection under it, without socket.io's disconnect packet: the
    // client sees a dropped transport and reconnects on its own (through a load balancer, to
    // another node), as after any network blip; nothing is shown as an error.
    for (const socket of io.of('/').sockets.values()) socket.conn.close();
    // Answers in flight are posted through the adapter to wherever the tab is now.
    if (graceMs > 0) await settledWithin(dispatch.idle(), graceMs);
    dispatch.abort();
    if (own) {
      // Cut keep-alive and in-flight connections so close() is fast.
      own.closeAllConnections();
      // Closes every socket and engine.io (websockets are no longer tracked by the server).
      await io.close();
      await httpClosed;
    } else {
      // Someone else's server: close our sockets and engine.io, leave the server running.
      io.disconnectSockets(true);
      io.engine?.close();
    }
    crawlDone({ pages: [], failed: [] });
    await sessions.drain();
    await store.close();
    await redis?.close();
    await log.close();
    await settingsStore?.close();
    await metricsServer?.close();
  }

  logger.info(
    options.agent
      ? 'answering with the agent given to createLeFluxServer'
      : config.agentUrl !== undefined
        ? `answering with the webhook agent at ${config.agentUrl}`
        : config.demo
          ? 'answering with the demo agent'
          : 'no agent configured: visitor messages wait for post() or the REST API',
  );

  return {
    site,
    metrics,
    crawled,
    handle,
    attach,
    async listen({ port = config.port, host = config.host } = {}) {
      // A log it cannot use (PostgreSQL unreachable, tables from a newer LeFlux) stops the start,
      // and so do settings it cannot read (it would run with settings a site no longer has).
      try {
        await log.ping();
        await liveSettings.refresh();
      } catch (error) {
        // Nothing is listening yet: release what was opened (Redis connections would keep the
        // process alive reconnecting).
        closing ??= shutdown(0);
        await closing;
        throw error;
      }
      const server = createServer((req, res) => handle(req, res));
      own = server;
      // Attach after our handler exists: engine.io wraps the server's existing 'request'
      // listeners, so `/socket.io/` requests (long-polling) are answered by it alone.
      attach(server);
      const address = await new Promise<{ url: string; port: number }>((done, fail) => {
        server.once('error', fail);
        server.listen(port, host, () => {
          server.off('error', fail);
          const { port: bound } = server.address() as AddressInfo;
          const shown = host.includes(':') ? `[${host}]` : host;
          done({ url: `http://${shown}:${bound}`, port: bound });
        });
      });
      if (config.metricsPort === undefined) return address;
      metricsServer ??= await startMetricsServer({
        registry: metrics.registry,
        port: config.metricsPort,
        host,
        logger,
      });
      return { ...address, metricsUrl: metricsServer.url };
    },
    post: (sessionId, message) => sessions.post(sessionId, message),
    typing: (sessionId) => sessions.typing(sessionId),
    close({ graceMs = 0 } = {}) {
      closing ??= shutdown(graceMs);
      return closing;
    },
    drain: () => sessions.drain(),
  };
}

/** Resolves when `work` settles or after `ms`, whichever comes first; never rejects. */
function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((done) => {
      timer = setTimeout(done, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** How long the start waits for Redis to answer before it gives up, naming it. */
const REDIS_START_TIMEOUT_MS = 5000;

/** The two Redis connections of a node: commands (store, lock, adapter's publishing) and subscriptions. */
interface NodeRedis {
  commands: RedisConnection;
  subscriber: RedisConnection;
  close(): Promise<void>;
}

/** Connects to `redisUrl` and checks that Redis answers; fails the start naming it otherwise. */
async function connectRedis(config: ServerConfig, logger: Logger): Promise<NodeRedis> {
  if (config.redisUrl === undefined) {
    throw new Error('the Redis session store (storeKind "redis") needs redisUrl (REDIS_URL)');
  }
  const commands = openRedis(config.redisUrl, { logger, role: 'store' });
  // A subscriber waits through outages: ioredis subscribes again once it is back.
  const subscriber = openRedis(config.redisUrl, {
    logger,
    role: 'subscriber',
    maxRetriesPerRequest: null,
  });
  const close = async () => {
    await Promise.all(
      [commands.client, subscriber.client].map((client) =>
        client.status === 'end' ? undefined : client.quit().catch(() => client.disconnect()),
      ),
    );
  };
  try {
    await commands.ready(REDIS_START_TIMEOUT_MS);
  } catch (error) {
    commands.client.disconnect();
    subscriber.client.disconnect();
    throw error;
  }
  return { commands, subscriber, close };
}

/**
 * Creates a server from the defaults (not the environment) plus `options`, and listens on a
 * free loopback port unless `port` says otherwise; for tests, fixtures and the bench.
 *
 * @example const server = await startServer({ dbPath: ':memory:', demo: true });
 */
export async function startServer(
  options: LeFluxServerOptions = {},
): Promise<LeFluxServer & { url: string; port: number; metricsUrl?: string }> {
  const server = await createLeFluxServer(options);
  const address = await server.listen({ port: options.port ?? 0 });
  return Object.assign(server, address);
}
