import {
  type IRateLimiterOptions,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

/**
 * What the server limits, and per what:
 * - `sessionStarts`: new sessions, per client address;
 * - `messages`: visitor messages (resends included), per session;
 * - `restores` and `purges`: `POST` and `DELETE /api/session/:id`, per client address;
 * - `misses`: asking for a session that does not exist or with a wrong token (a restore, a
 *   purge, a `session_init` resume), per client address. Past it, the address is refused every
 *   session request until the block ends: guessing ids gets nowhere.
 */
export type LimitName = 'sessionStarts' | 'messages' | 'restores' | 'purges' | 'misses';

export const LIMIT_NAMES: readonly LimitName[] = [
  'sessionStarts',
  'messages',
  'restores',
  'purges',
  'misses',
];

/** At most `points` events in `durationSec`; once over, refused for `blockSec` (default: the rest of the window). */
export interface RateLimit {
  points: number;
  durationSec: number;
  blockSec?: number;
}

/** Every limit; `null` turns one off. */
export type RateLimits = Readonly<Record<LimitName, RateLimit | null>>;

/**
 * Defaults that a visitor never meets: a person types far fewer than 60 messages a minute, a
 * page view restores at most once, and an office behind one address stays well under these.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  sessionStarts: { points: 30, durationSec: 60 },
  messages: { points: 60, durationSec: 60 },
  restores: { points: 120, durationSec: 60 },
  purges: { points: 30, durationSec: 60 },
  misses: { points: 100, durationSec: 600, blockSec: 600 },
};

/** No limits at all (tests and benchmarks that drive many sessions from one address). */
export const NO_RATE_LIMITS: RateLimits = {
  sessionStarts: null,
  messages: null,
  restores: null,
  purges: null,
  misses: null,
};

/** Allowed, or refused with how long to wait (ms, at least 1). */
export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * The server's limits behind one interface, so the counters can live in this process (one node)
 * or in Redis (every node counts together). Every implementation runs `describeRateLimiter`.
 */
export interface RateLimiter {
  /** Counts one `name` event for `key`; refused when that goes over the limit. */
  take(name: LimitName, key: string): Promise<RateDecision>;
  /**
   * Whether `key` has used up the `name` limit (one more `take` would be refused), without
   * counting anything.
   */
  check(name: LimitName, key: string): Promise<RateDecision>;
}

const ALLOWED: RateDecision = Object.freeze({ ok: true });

type Flexible = RateLimiterMemory | RateLimiterRedis;

function optionsOf(name: LimitName, limit: RateLimit, prefix: string): IRateLimiterOptions {
  return {
    keyPrefix: `${prefix}${name}`,
    points: limit.points,
    duration: limit.durationSec,
    ...(limit.blockSec !== undefined ? { blockDuration: limit.blockSec } : {}),
  };
}

const refused = (res: RateLimiterRes): RateDecision => ({
  ok: false,
  retryAfterMs: Math.max(1, Math.ceil(res.msBeforeNext)),
});

/** The interface over one rate-limiter-flexible limiter per limit. */
function limiterOf(limits: RateLimits, make: (name: LimitName, limit: RateLimit) => Flexible) {
  const limiters = new Map<LimitName, { limit: RateLimit; limiter: Flexible }>();
  for (const name of LIMIT_NAMES) {
    const limit = limits[name];
    if (limit) limiters.set(name, { limit, limiter: make(name, limit) });
  }
  const limiter: RateLimiter = {
    async take(name, key) {
      const entry = limiters.get(name);
      if (!entry) return ALLOWED;
      try {
        await entry.limiter.consume(key);
        return ALLOWED;
      } catch (error) {
        // rate-limiter-flexible rejects with a RateLimiterRes when over the limit, with an
        // Error when its store fails.
        if (error instanceof RateLimiterRes) return refused(error);
        throw error;
      }
    },
    async check(name, key) {
      const entry = limiters.get(name);
      const res = await entry?.limiter.get(key);
      return entry && res && res.consumedPoints >= entry.limit.points ? refused(res) : ALLOWED;
    },
  };
  return limiter;
}

/**
 * Counters in this process: right for one node (the memory session store).
 *
 * @example
 * const limiter = createMemoryRateLimiter(DEFAULT_RATE_LIMITS);
 * const decision = await limiter.take('sessionStarts', '203.0.113.7');
 */
export function createMemoryRateLimiter(limits: RateLimits): RateLimiter {
  return limiterOf(limits, (name, limit) => new RateLimiterMemory(optionsOf(name, limit, '')));
}

/**
 * Counters in Redis, shared by every node (the Redis session store). `redis` is an ioredis (or
 * node-redis) client. While Redis does not answer, each node counts in its own memory instead,
 * so an outage never turns into refusing every visitor.
 *
 * @example
 * const limiter = createRedisRateLimiter(DEFAULT_RATE_LIMITS, new Redis(process.env.REDIS_URL));
 */
export function createRedisRateLimiter(
  limits: RateLimits,
  // rate-limiter-flexible takes any ioredis / node-redis client; their types are not ours to name here.
  redis: unknown,
): RateLimiter {
  return limiterOf(
    limits,
    (name, limit) =>
      new RateLimiterRedis({
        ...optionsOf(name, limit, 'leflux:limit:'),
        storeClient: redis,
        // Not connected: count in memory at once, rather than queue behind the reconnection.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(optionsOf(name, limit, 'leflux:limit:')),
      }),
  );
}
