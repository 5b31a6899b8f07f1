import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { loadOptional } from '../optional-dependency.js';
import { describeRedisUrl } from '../service-url.js';

export interface RedisConnectionOptions {
  /** Where connection trouble is reported: once when it starts, once when it is over. */
  logger: Logger;
  /** Shown in `CLIENT LIST` as `leflux-<role>`, and in log lines. */
  role: string;
  /**
   * How many reconnections a command may wait through before it fails. Default 2: during an
   * outage a visitor's message fails within seconds (the widget keeps it and sends it again)
   * instead of queueing here. Null: wait for ever (a subscriber, which ioredis resubscribes).
   */
  maxRetriesPerRequest?: number | null;
}

/** ioredis, for the Redis session store. */
export const IOREDIS = {
  name: 'ioredis',
  feature: 'the Redis session store (LEFLUX_STORE=redis)',
  otherwise: 'or set LEFLUX_STORE=memory (one node)',
};

/** A Redis connection and what it last failed with (for a clear startup error). */
export interface RedisConnection {
  client: Redis;
  /** `redis://user@host:port/db`, never the password. */
  readonly where: string;
  /** Resolves once Redis answers a PING; rejects after `timeoutMs` naming the URL and the reason. */
  ready(timeoutMs: number): Promise<void>;
}

/**
 * Opens a connection to `url` (ioredis, RESP3): reconnects on its own with backoff, reports an
 * outage once (not at every retry) and its end.
 *
 * @example
 * const { client, ready } = openRedis(config.redisUrl, { logger, role: 'store' });
 * await ready(5000);
 */
export function openRedis(url: string, options: RedisConnectionOptions): RedisConnection {
  const { logger, role, maxRetriesPerRequest = 2 } = options;
  const where = describeRedisUrl(url);
  const { Redis: RedisClient } = loadOptional<typeof import('ioredis')>(IOREDIS);
  const client = new RedisClient(url, { connectionName: `leflux-${role}`, maxRetriesPerRequest });
  let lastError: Error | undefined;
  let down = false;
  client.on('error', (error: Error) => {
    lastError = error;
    if (down) return;
    down = true;
    logger.warn(`Redis ${where} (${role}): connection failed; reconnecting`, error);
  });
  client.on('ready', () => {
    if (down) logger.info(`Redis ${where} (${role}): connected again`);
    down = false;
    lastError = undefined;
  });

  return {
    client,
    where,
    ready(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => {
          const reason = lastError ? reasonOf(lastError) : `no answer within ${timeoutMs} ms`;
          fail(new Error(`session store ${where}: Redis is not reachable: ${reason}`));
        }, timeoutMs);
      });
      const ping = client.ping().then(
        () => undefined,
        (error: unknown) => {
          // Given up after retries: why the connection failed says more than the give-up.
          const cause = lastError ?? error;
          throw new Error(`session store ${where}: Redis is not reachable: ${reasonOf(cause)}`, {
            cause,
          });
        },
      );
      return Promise.race([ping, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

/** A one-line reason; a connection error to a host with several addresses has no message. */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map(reasonOf).join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message || (typeof code === 'string' ? code : error.name);
  }
  return String(error);
}
