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
