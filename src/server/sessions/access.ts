import type { RateDecision } from '../limits/rate-limits.js';
import { SessionNotFoundError } from '../stores/session-store.js';
import type { SessionServiceDeps } from './services.js';
import { SessionError } from './session-error.js';

/** Whole seconds for `retryAfter` (at least 1). */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/** Throws `rate_limited` for a refused decision, saying what there were too many of. */
export function allowed(decision: RateDecision, what: string): void {
  if (decision.ok) return;
  const seconds = retryAfterSeconds(decision.retryAfterMs);
  throw new SessionError('rate_limited', `too many ${what}; try again in ${seconds} s`, seconds);
}

/**
 * Guessing: who asks for sessions that do not exist, or with wrong tokens or keys, is counted
 * (limit `misses`, per client address) and, past the limit, refused every session request until
 * the block ends.
 */
export interface AccessService {
  /** Refuses (`SessionError` `rate_limited`) an address that is blocked for guessing. */
  admit(address: string): Promise<void>;
  /** Counts one wrong guess (unknown id, wrong token or key) against the address. */
  missed(address: string): Promise<void>;
}

export function createAccessService({ limiter }: SessionServiceDeps): AccessService {
  return {
    async admit(address) {
      allowed(await limiter.check('misses', address), 'requests for unknown sessions');
    },
    async missed(address) {
      await limiter.take('misses', address);
    },
  };
}

/** Runs `work`; an unknown session or a wrong token it meets counts as a miss of `address`. */
export async function countingMisses<T>(
  access: AccessService,
  address: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (
      error instanceof SessionNotFoundError ||
      (error instanceof SessionError && error.code === 'unauthorized')
    )
      await access.missed(address);
    throw error;
  }
}
