import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { Agent } from './agent/agent.js';
import { createDemoAgent } from './agent/demo-agent.js';
import {
  configSecrets,
  defaultSweepInterval,
  loadConfig,
  type ServerConfig,
  shortestIdleTtl,
} from './config.js';
import { attachGateway, type LeFluxIo } from './gateway/gateway.js';
import { createRequestHandler } from './http/request-handler.js';
import { createDisabledMessageLog, type MessageLog } from './log/message-log.js';
import { openMessageLog } from './log/open-message-log.js';
import { createJsonLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { type MetricsServer, startMetricsServer } from './metrics/metrics-server.js';
import { type CrawlResult, crawlSite } from './site/site-crawler.js';
import { createSiteContext, type SiteContext } from './site/site-search.js';
import { siteSettingsLookup } from './site-settings.js';
import { createMemorySessionStore } from './stores/memory-store.js';
import type { SessionStore } from './stores/session-store.js';
import { startSessionSweeper } from './stores/session-sweeper.js';

/** Replaceable parts; each defaults to what the config asks for. */
export interface LeFluxServerDeps {
  store?: SessionStore;
  log?: MessageLog;
  agent?: Agent;
  /**
   * The site's context for the agent. Given: used as is, nothing is crawled. Default: filled
   * by crawling this server's own site after `listen()` (unless `config.crawl` is off).
   */
  site?: SiteContext;
  /** The clock for sessions, messages and tasks; tests fake it. Default `Date.now`. */
  now?: () => number;
  /** Default: JSON lines on stdout at `config.logLevel`, secrets redacted (`createJsonLogger`). */
  logger?: Logger;
  /** Default: a fresh registry, with process metrics when `config.metricsPort` is set. */
  metrics?: Metrics;
}

export interface LeFluxServer {
  /**
   * Starts listening on `config.host:config.port` (and serving metrics on `config.metricsPort`
   * when set); resolves with the actual addresses.
   */
  listen(): Promise<{ url: string; port: number; metricsUrl?: string }>;
  /** Disconnects every socket, stops the sweeper, closes HTTP (keep-alive too), store and log. */
  close(): Promise<void>;
  /** Resolves when queued messages, agent replies and task work have settled; for tests. */
  drain(): Promise<void>;
  httpServer: HttpServer;
  io: LeFluxIo;
  /** The agent's view of the site; empty until the crawl is done. */
  site: SiteContext;
  /** This node's Prometheus metrics and the hooks that count them. */
  metrics: Metrics;
  /**
   * Settles once the crawl started by `listen()` is done (at once when crawling is off or a
   * `site` was given); never rejects. Startup does not wait for it.
   */
  crawled: Promise<CrawlResult>;
}

/** This server's own origin on loopback, for the crawl: a wildcard bind is reached via 127.0.0.1 / ::1. */
function loopbackOrigin({ address, family, port }: AddressInfo): string {
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address;
  return family === 'IPv6' || host.includes(':')
    ? `http://[${host}]:${port}`
    : `http://${host}:${port}`;
}

/**
 * Builds the LeFlux server: HTTP routes, socket.io gateway, session store, message log,
 * agent and the idle sweeper, all closed by `close()`.
 *
 * @example
 * const server = createLeFluxServer(loadConfig());
 * const { url } = await server.listen();
 */
export function createLeFluxServer(
  config: ServerConfig,
  deps: LeFluxServerDeps = {},
): LeFluxServer {
  const now = deps.now ?? Date.now;
  const logger =
    deps.logger ?? createJsonLogger({ level: config.logLevel, secrets: configSecrets(config) });
  if (!deps.store && config.store !== 'memory') {
    throw new Error(`session store "${config.store}" is not implemented`);
  }
  const sites = siteSettingsLookup(config.sites);
  const store =
    deps.store ??
    createMemorySessionStore({
      idleTtlMs: config.idleTtlMs,
      siteIdleTtlMs: (siteKey) => sites(siteKey).idleTtlMs,
      now,
    });
  /** A site's `messageLog` setting wins over `LEFLUX_MESSAGE_LOG`. */
  const logged = (siteKey: string) => sites(siteKey).messageLog ?? config.messageLog;
  const anySiteLogs = [...config.sites.values()].some((site) => site.messageLog === true);
  const log =
    deps.log ??
    (config.messageLog || anySiteLogs
      ? openMessageLog(config, { logger })
      : createDisabledMessageLog());
  const agent = deps.agent ?? createDemoAgent();
  const metrics =
    deps.metrics ?? createMetrics({ processMetrics: config.metricsPort !== undefined, logger });
  const ownSite = createSiteContext();
  const site = deps.site ?? ownSite;
  const crawlOn = config.crawl && deps.site === undefined;
  const stopCrawl = new AbortController();
  let crawlDone: (result: CrawlResult) => void = () => {};
  const crawled = new Promise<CrawlResult>((done) => {
    crawlDone = done;
  });

  const io: LeFluxIo = new Server({
    // Any page may connect; a site that lists its origins has them checked at session_init.
    cors: { origin: true },
    serveClient: false,
    ...(config.pingIntervalMs !== undefined ? { pingInterval: config.pingIntervalMs } : {}),
  });
  const gateway = attachGateway({
    io,
    store,
    log,
    agent,
    site,
    sites,
    logged,
    taskHoldMs: config.taskHoldMs,
    waitTtlMs: config.waitTtlMs,
    now,
    logger,
  });
  const httpServer = createServer(
    createRequestHandler({
      store,
      log,
      gateway,
      logger,
      sites,
      adminKey: config.adminKey,
      widgetFile: config.widgetFile,
      demoDir: config.demoDir,
    }),
  );
  // Attach after our handler exists: engine.io wraps the server's existing 'request' listeners,
  // so `/socket.io/` requests (long-polling) are answered by it alone and never reach our routes.
  io.attach(httpServer);
  metrics.countSockets(() => io.of('/').sockets.size);
  let metricsServer: MetricsServer | undefined;

  let stopSweeper: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  let crawlStarted = false;

  /** Crawls our own site in the background: never delays listen(), never throws. */
  function startCrawl(address: AddressInfo) {
    if (crawlStarted) return;
    crawlStarted = true;
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

  async function shutdown(): Promise<void> {
    stopCrawl.abort();
    stopSweeper?.();
    // Stop accepting first, then cut keep-alive and in-flight connections so close() is fast.
    const httpClosed = new Promise<void>((done) => httpServer.close(() => done()));
    httpServer.closeAllConnections();
    // Closes every socket and engine.io (websockets are no longer tracked by httpServer).
    await io.close();
    await httpClosed;
    await gateway.drain();
    await store.close();
    await log.close();
    await metricsServer?.close();
  }

  return {
    httpServer,
    io,
    site,
    crawled,
    metrics,
    async listen() {
      // A log it cannot use (PostgreSQL unreachable, tables from a newer LeFlux) stops the start.
      await log.ping();
      const address = await new Promise<{ url: string; port: number }>((done, fail) => {
        httpServer.once('error', fail);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', fail);
          stopSweeper ??= startSessionSweeper({
            store,
            intervalMs: config.sweepIntervalMs,
            now,
            onEvicted: (ids) => {
              metrics.evicted(ids.length);
              gateway.notifyEvicted(ids);
            },
            alsoSweep: (at) => gateway.sweepTasks(at),
            logger,
          });
          const address = httpServer.address() as AddressInfo;
          const { port } = address;
          startCrawl(address);
          const host = config.host.includes(':') ? `[${config.host}]` : config.host;
          done({ url: `http://${host}:${port}`, port });
        });
      });
      if (config.metricsPort === undefined) return address;
      metricsServer ??= await startMetricsServer({
        registry: metrics.registry,
        port: config.metricsPort,
        host: config.host,
        logger,
      });
      return { ...address, metricsUrl: metricsServer.url };
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
    drain() {
      return gateway.drain();
    },
  };
}

/**
 * Creates and starts a server from the defaults (not the environment) plus `overrides`;
 * for tests and fixtures, e.g. `startServer({ port: 0, dbPath: ':memory:' })`.
 */
export async function startServer(
  overrides: Partial<ServerConfig> = {},
  deps: LeFluxServerDeps = {},
): Promise<LeFluxServer & { url: string; port: number; metricsUrl?: string }> {
  const defaults = loadConfig({});
  const config: ServerConfig = {
    ...defaults,
    // A shorter idle TTL needs a proportionally shorter sweep unless one was given.
    sweepIntervalMs: defaultSweepInterval(
      shortestIdleTtl(overrides.idleTtlMs ?? defaults.idleTtlMs, overrides.sites ?? defaults.sites),
    ),
    ...overrides,
  };
  const server = createLeFluxServer(config, deps);
  const address = await server.listen();
  return Object.assign(server, address);
}
