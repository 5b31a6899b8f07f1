import type {
  IRateLimiterOptions,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { loadOptional } from '../optional-dependency.js';
import {
  LIMIT_NAMES,
  type LimitName,
  type RateDecision,
  type RateLimit,
  type RateLimiter,
  type RateLimits,
} from './rate-limits.js';

export * from './rate-limits.js';

/**
 * rate-limiter-flexible, loaded when a limiter is made: an optional dependency of the package
 * (an app that only uses the browser SDK does not install it), which the server's entry points
 * check for before they load this module's callers.
 */
const flexible = () =>
  loadOptional<typeof import('rate-limiter-flexible')>({
    name: 'rate-limiter-flexible',
    feature: "the server's rate limits",
  });

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
  const { RateLimiterRes: OverLimit } = flexible();
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
        if (error instanceof OverLimit) return refused(error);
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
  const { RateLimiterMemory } = flexible();
  return limiterOf(limits, (name, limit) => new RateLimiterMemory(optionsOf(name, limit, '')));
}

/**
 * Counters in Redis, shared by every node (the Redis session store), under `keyPrefix` (the
 * deployment's `LEFLUX_REDIS_PREFIX`, so two deployments on one Redis do not count together).
 * `redis` is an ioredis (or node-redis) client. While Redis does not answer, each node counts in
 * its own memory instead, so an outage never turns into refusing every visitor.
 *
 * @example
 * const limiter = createRedisRateLimiter(DEFAULT_RATE_LIMITS, new Redis(process.env.REDIS_URL), 'leflux:');
 */
export function createRedisRateLimiter(
  limits: RateLimits,
  // rate-limiter-flexible takes any ioredis / node-redis client; their types are not ours to name here.
  redis: unknown,
  keyPrefix = 'leflux:',
): RateLimiter {
  const { RateLimiterMemory, RateLimiterRedis } = flexible();
  const prefix = `${keyPrefix}limit:`;
  return limiterOf(
    limits,
    (name, limit) =>
      new RateLimiterRedis({
        ...optionsOf(name, limit, prefix),
        storeClient: redis,
        // Not connected: count in memory at once, rather than queue behind the reconnection.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(optionsOf(name, limit, prefix)),
      }),
  );
}
