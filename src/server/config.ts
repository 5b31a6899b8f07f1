import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config-error.js';
import {
  DEFAULT_RATE_LIMITS,
  LIMIT_NAMES,
  type LimitName,
  type RateLimit,
  type RateLimits,
} from './limits/rate-limits.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import { maskPassword, parseDatabaseUrl, parseRedisUrl } from './service-url.js';
import {
  loadSiteSettings,
  type SiteSettingsMap,
  siteAdminKeys,
  siteIdentitySecrets,
} from './site-settings.js';

export { ConfigError } from './config-error.js';

/** Everything the server reads from its environment, validated once at start. */
export interface ServerConfig {
  /** `PORT`; 0 picks a free port. Default 8787. */
  port: number;
  /** `HOST`. Default `127.0.0.1`. */
  host: string;
  /** `LEFLUX_STORE`: where live sessions live. Default `memory`. */
  storeKind: 'memory' | 'redis';
  /**
   * `REDIS_URL`; required with `storeKind: 'redis'`: the live sessions, the per-session lock and
   * socket.io's adapter (several nodes) all use it.
   */
  redisUrl?: string;
  /**
   * `LEFLUX_REDIS_PREFIX`: the prefix of every Redis key and pub/sub channel LeFlux uses, so
   * several deployments can share one Redis. Default `leflux:`.
   */
  redisPrefix: string;
  /** `LEFLUX_DB`: SQLite file of the message log, or `:memory:`. Default `./data/leflux.sqlite`. */
  dbPath: string;
  /**
   * `DATABASE_URL`: a `postgres://` URL; the message log then lives in PostgreSQL (shared by
   * every node) instead of the SQLite file `dbPath`. Unset: SQLite.
   */
  databaseUrl?: string;
  /** `LOG_LEVEL`: the least severe level written (`fatal` ... `trace`, or `silent`). Default `info`. */
  logLevel: LogLevel;
  /**
   * `LEFLUX_METRICS_PORT`: serve Prometheus metrics at `/metrics` on this port (on `host`), apart
   * from the public port; 0 picks a free one. Unset: no metrics server.
   */
  metricsPort?: number;
  /** `LEFLUX_IDLE_TTL_MS`: a session without visitor activity this long is evicted. Default 30 min. */
  idleTtlMs: number;
  /** `LEFLUX_TASK_HOLD_MS`: how long a task waits for a reloaded page. Default 30 s. */
  taskHoldMs: number;
  /** `LEFLUX_WAIT_TTL_MS`: how long an agent's question (`ask` step) waits for an answer. Default 10 min. */
  waitTtlMs: number;
  /**
   * `LEFLUX_CRAWL` (`on` | `off`): with the demo on, crawl the site served by this server
   * (over loopback) for the agent's context after listening. Default on.
   */
  crawl: boolean;
  /** `LEFLUX_ADMIN_KEY`: lets an operator purge any session. Unset: only session tokens can. */
  adminKey?: string;
  /**
   * `LEFLUX_API_KEY`: the key of the REST API for late answers and operators
   * (`POST /api/session/:id/messages`, `/typing`). Unset: that API refuses every request.
   */
  apiKey?: string;
  /**
   * `LEFLUX_DEMO` (`on` | `off`): serve the demo site, answer with the demo agent (unless
   * another agent is set) and crawl the site for it. Default off (`npm start` turns it on).
   */
  demo: boolean;
  /** `LEFLUX_AGENT_URL`: the webhook agent's URL; set, it answers (in place of the demo agent). */
  agentUrl?: string;
  /** `LEFLUX_AGENT_SECRET`: signs webhook requests (HMAC-SHA256); required with `agentUrl`. */
  agentSecret?: string;
  /** `LEFLUX_AGENT_TIMEOUT_MS`: the longest an agent may take to answer a message. Default 15 s. */
  agentTimeoutMs: number;
  /** `LEFLUX_MESSAGE_LOG` (`on` | `off`): keep a message log for the dashboard. Default on. */
  messageLog: boolean;
  /**
   * `LEFLUX_SITES`: a JSON file of per-site settings (retention, idle eviction, message log,
   * allowed origins), read and validated at start. Unset: every site gets the defaults.
   */
  sitesFile?: string;
  /** The settings read from `sitesFile`, by site key. Default: none. */
  sites: SiteSettingsMap;
  /**
   * The rate limits (`LEFLUX_LIMIT_SESSION_STARTS`, `_MESSAGES`, `_RESTORES`, `_PURGES`,
   * `_MISSES`, each `<count>/<duration>` or `off`). Default `DEFAULT_RATE_LIMITS`.
   */
  limits: RateLimits;
  /**
   * `LEFLUX_MAX_SESSIONS`: the most sessions this node holds sockets for; past it a new session
   * is refused with `server_full` (resuming one still works). Default 20,000.
   */
  maxSessions: number;
  /**
   * `LEFLUX_TRUSTED_PROXIES`: how many proxies of the operator's own stand before this server;
   * limits then count the address they saw (`X-Forwarded-For`). Default 0: the TCP peer.
   */
  trustedProxies: number;
  /**
   * How often the sweeper looks for idle sessions. Default min(shortest idle TTL / 2, 60 s),
   * counting the sites' own `idleMinutes`.
   */
  sweepIntervalMs: number;
  /**
   * socket.io's heartbeat interval (not an env variable; tests shorten it). Heartbeats are
   * never visitor activity. Default socket.io's own (25 s).
   */
  pingIntervalMs?: number;
  /** The built embed bundle served at `/widget.js`. Default `<repo>/dist/widget.js`. */
  widgetFile: string;
  /** The demo site's root. Default `<repo>/demo` (in an installed package, `dist/demo`). */
  demoDir: string;
  /** The dashboard's build, served at `/dashboard`. Default `<repo>/dist/dashboard` (the package's too). */
  dashboardDir: string;
  /**
   * How often a node reads back the site settings other nodes saved from the dashboard (not an
   * env variable). Default 5 s.
   */
  settingsRefreshMs: number;
  /** How often the message log's retention runs (not an env variable). Default daily. */
  logRetentionSweepMs: number;
  /** Wrong admin keys one IP may try in 15 minutes before sign-in refuses it (not an env variable). Default 10. */
  signInAttempts: number;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export const CONFIG_DEFAULTS = {
  port: 8787,
  host: '127.0.0.1',
  dbPath: './data/leflux.sqlite',
  redisPrefix: 'leflux:',
  idleTtlMs: 30 * 60_000,
  taskHoldMs: 30_000,
  waitTtlMs: 10 * 60_000,
  agentTimeoutMs: 15_000,
  maxSessions: 20_000,
  widgetFile: join(repoRoot, 'dist', 'widget.js'),
  // The repository's demo/; an installed package has the build's copy instead (dist/demo/).
  demoDir: existsSync(join(repoRoot, 'demo'))
    ? join(repoRoot, 'demo')
    : join(repoRoot, 'dist', 'demo'),
  dashboardDir: join(repoRoot, 'dist', 'dashboard'),
  settingsRefreshMs: 5000,
  logRetentionSweepMs: 24 * 3_600_000,
  signInAttempts: 10,
} as const;

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the server's environment. An empty variable counts as unset.
 * `defaults.demo` is what an unset `LEFLUX_DEMO` means (`npm start` passes true).
 *
 * @example
 * const config = loadConfig(); // process.env
 * const test = loadConfig({ PORT: '0', LEFLUX_DB: ':memory:' });
 * @throws {ConfigError} naming the variable and the bad value.
 */
export function loadConfig(
  env: Env = process.env,
  defaults: { demo?: boolean } = {},
): ServerConfig {
  const read = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === '' ? undefined : v;
  };
  const invalid = (name: string, value: string, expected: string) =>
    new ConfigError(name, `Invalid ${name}=${JSON.stringify(value)}: expected ${expected}.`);

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw invalid(name, raw, `an integer from ${min} to ${max}`);
    }
    return n;
  };

  const oneOf = <T extends string>(name: string, choices: readonly T[], fallback: T): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!(choices as readonly string[]).includes(raw)) {
      throw invalid(name, raw, choices.map((c) => `"${c}"`).join(' or '));
    }
    return raw as T;
  };

  const port = integer('PORT', CONFIG_DEFAULTS.port, 0, 65535);

  const host = read('HOST') ?? CONFIG_DEFAULTS.host;
  if (/\s/.test(host)) throw invalid('HOST', host, 'a host name or IP address');

  const redisUrl = read('REDIS_URL');
  if (redisUrl !== undefined && !parseRedisUrl(redisUrl)) {
    // Never echo a password into logs.
    throw invalid(
      'REDIS_URL',
      maskPassword(redisUrl),
      'a redis:// or rediss:// URL with a host, e.g. redis://:password@cache.internal:6379/0',
    );
  }

  const storeKind = oneOf('LEFLUX_STORE', ['memory', 'redis'], 'memory');
  if (storeKind === 'redis' && redisUrl === undefined) {
    // Refuse at start rather than pretend: a silent fallback to memory would break several nodes.
    throw new ConfigError('REDIS_URL', 'LEFLUX_STORE=redis requires REDIS_URL to be set.');
  }

  const redisPrefix = read('LEFLUX_REDIS_PREFIX') ?? CONFIG_DEFAULTS.redisPrefix;
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(redisPrefix)) {
    throw invalid(
      'LEFLUX_REDIS_PREFIX',
      redisPrefix,
      'letters, digits and ":_.-", at most 64 characters',
    );
  }

  const dbPath = read('LEFLUX_DB') ?? CONFIG_DEFAULTS.dbPath;

  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined && !parseDatabaseUrl(databaseUrl)) {
    // Never echo a password into logs.
    throw new ConfigError(
      'DATABASE_URL',
      `Invalid DATABASE_URL=${JSON.stringify(maskPassword(databaseUrl))}: expected a postgres:// or postgresql:// URL with a host, e.g. postgres://leflux:password@db.internal:5432/leflux.`,
    );
  }

  const logLevel = oneOf('LOG_LEVEL', LOG_LEVELS, 'info');

  const metricsPort =
    read('LEFLUX_METRICS_PORT') === undefined
      ? undefined
      : integer('LEFLUX_METRICS_PORT', 0, 0, 65535);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError(
      'LEFLUX_METRICS_PORT',
      `Invalid LEFLUX_METRICS_PORT=${metricsPort}: it is PORT too; metrics need a port of their own.`,
    );
  }

  // Upper bounds keep setTimeout-style arithmetic (2^31-1 ms) meaningful.
  const idleTtlMs = integer('LEFLUX_IDLE_TTL_MS', CONFIG_DEFAULTS.idleTtlMs, 1000, 2_147_483_647);
  const taskHoldMs = integer('LEFLUX_TASK_HOLD_MS', CONFIG_DEFAULTS.taskHoldMs, 0, 2_147_483_647);
  const waitTtlMs = integer('LEFLUX_WAIT_TTL_MS', CONFIG_DEFAULTS.waitTtlMs, 1000, 2_147_483_647);

  /** A secret of at least 16 characters; never echoed into an error (or a log). */
  const secret = (name: string): string | undefined => {
    const value = read(name);
    if (value !== undefined && value.length < 16) {
      throw new ConfigError(
        name,
        `Invalid ${name} (${value.length} characters): expected at least 16 characters.`,
      );
    }
    return value;
  };
  const adminKey = secret('LEFLUX_ADMIN_KEY');
  const apiKey = secret('LEFLUX_API_KEY');

  const agentUrl = read('LEFLUX_AGENT_URL');
  if (agentUrl !== undefined && !isHttpUrl(agentUrl)) {
    throw invalid('LEFLUX_AGENT_URL', agentUrl, 'an http:// or https:// URL');
  }
  const agentSecret = secret('LEFLUX_AGENT_SECRET');
  if (agentUrl !== undefined && agentSecret === undefined) {
    // Unsigned requests would let anyone who finds the URL pose as this server.
    throw new ConfigError(
      'LEFLUX_AGENT_SECRET',
      'LEFLUX_AGENT_URL requires LEFLUX_AGENT_SECRET (at least 16 characters) to sign its requests.',
    );
  }
  const agentTimeoutMs = integer(
    'LEFLUX_AGENT_TIMEOUT_MS',
    CONFIG_DEFAULTS.agentTimeoutMs,
    100,
    10 * 60_000,
  );
  const demo = oneOf('LEFLUX_DEMO', ['on', 'off'], defaults.demo ? 'on' : 'off') === 'on';

  const messageLog = oneOf('LEFLUX_MESSAGE_LOG', ['on', 'off'], 'on') === 'on';
  const crawl = oneOf('LEFLUX_CRAWL', ['on', 'off'], 'on') === 'on';

  const limits = Object.fromEntries(
    LIMIT_NAMES.map((name) => {
      const variable = LIMIT_VARIABLES[name];
      const raw = read(variable);
      if (raw === undefined) return [name, DEFAULT_RATE_LIMITS[name]];
      const limit = parseLimit(raw, DEFAULT_RATE_LIMITS[name]);
      if (limit === undefined) {
        throw invalid(variable, raw, 'a count per duration like "30/1m" (s, m or h), or "off"');
      }
      return [name, limit];
    }),
  ) as unknown as RateLimits;
  const maxSessions = integer('LEFLUX_MAX_SESSIONS', CONFIG_DEFAULTS.maxSessions, 1, 10_000_000);
  const trustedProxies = integer('LEFLUX_TRUSTED_PROXIES', 0, 0, 10);

  const sitesFile = read('LEFLUX_SITES');
  const sites: SiteSettingsMap = sitesFile === undefined ? new Map() : loadSiteSettings(sitesFile);

  return {
    port,
    host,
    storeKind,
    redisUrl,
    redisPrefix,
    dbPath,
    databaseUrl,
    logLevel,
    metricsPort,
    idleTtlMs,
    taskHoldMs,
    waitTtlMs,
    crawl,
    adminKey,
    apiKey,
    demo,
    agentUrl,
    agentSecret,
    agentTimeoutMs,
    messageLog,
    limits,
    maxSessions,
    trustedProxies,
    sitesFile,
    sites,
    sweepIntervalMs: defaultSweepInterval(shortestIdleTtl(idleTtlMs, sites)),
    widgetFile: CONFIG_DEFAULTS.widgetFile,
    demoDir: CONFIG_DEFAULTS.demoDir,
    dashboardDir: CONFIG_DEFAULTS.dashboardDir,
    settingsRefreshMs: CONFIG_DEFAULTS.settingsRefreshMs,
    logRetentionSweepMs: CONFIG_DEFAULTS.logRetentionSweepMs,
    signInAttempts: CONFIG_DEFAULTS.signInAttempts,
  };
}

/**
 * The configured values no log line may show, wherever they turn up (an error quoting a
 * request, a URL): the admin keys (global and per site), the sites' identity secrets, the API
 * key, the webhook secret, and the database's and Redis's passwords. For `createJsonLogger`.
 */
export function configSecrets(config: ServerConfig): string[] {
  const secrets = [
    config.adminKey,
    config.apiKey,
    config.agentSecret,
    ...siteAdminKeys(config.sites),
    ...siteIdentitySecrets(config.sites),
  ];
  for (const password of [
    config.databaseUrl && parseDatabaseUrl(config.databaseUrl)?.password,
    config.redisUrl && parseRedisUrl(config.redisUrl)?.password,
  ]) {
    if (password) secrets.push(password, decodeURIComponent(password));
  }
  return secrets.filter((secret): secret is string => Boolean(secret));
}

/** The environment variable of each limit. */
export const LIMIT_VARIABLES: Readonly<Record<LimitName, string>> = {
  sessionStarts: 'LEFLUX_LIMIT_SESSION_STARTS',
  messages: 'LEFLUX_LIMIT_MESSAGES',
  restores: 'LEFLUX_LIMIT_RESTORES',
  purges: 'LEFLUX_LIMIT_PURGES',
  misses: 'LEFLUX_LIMIT_MISSES',
};

const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/**
 * `30/1m` -> 30 per 60 s, `off` -> null; undefined when invalid. A limit that blocks once over
 * (`misses`) blocks for its window.
 */
function parseLimit(raw: string, fallback: RateLimit | null): RateLimit | null | undefined {
  if (raw === 'off') return null;
  const match = /^(\d{1,7})\/(\d{1,5})([smh])$/.exec(raw);
  if (!match) return undefined;
  const points = Number(match[1]);
  const durationSec = Number(match[2]) * UNIT_SECONDS[match[3] as keyof typeof UNIT_SECONDS];
  if (points < 1 || durationSec < 1 || durationSec > 86_400) return undefined;
  return fallback?.blockSec !== undefined
    ? { points, durationSec, blockSec: durationSec }
    : { points, durationSec };
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Half the idle TTL keeps evictions at most ~1.5 TTL late; a minute caps the lag for long TTLs. */
export function defaultSweepInterval(idleTtlMs: number): number {
  return Math.min(Math.floor(idleTtlMs / 2), 60_000);
}

/** The shortest idle TTL any session can have: the default's, or a site's own. */
export function shortestIdleTtl(idleTtlMs: number, sites: SiteSettingsMap): number {
  let shortest = idleTtlMs;
  for (const { idleTtlMs: own } of sites.values()) {
    if (own !== undefined && own < shortest) shortest = own;
  }
  return shortest;
}
