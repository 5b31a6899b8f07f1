import { describe, expect, it, vi } from 'vitest';
import type { RateLimiter, RateLimits } from './rate-limiter.js';

/** Limits small enough to reach in a test; `misses` blocks for 2 s once over. */
export const TEST_LIMITS: RateLimits = {
  sessionStarts: { points: 3, durationSec: 1 },
  messages: { points: 5, durationSec: 60 },
  restores: null,
  purges: { points: 2, durationSec: 60 },
  misses: { points: 2, durationSec: 60, blockSec: 2 },
};

/**
 * The behaviour every `RateLimiter` shares, run by each implementation's test file. `make`
 * returns a limiter over `TEST_LIMITS` whose counters start empty (a fresh key prefix, a
 * fresh store).
 */
export function describeRateLimiter(name: string, make: () => Promise<RateLimiter>): void {
  describe(`${name} (RateLimiter conformance)`, () => {
    it('allows up to the limit per key, then refuses with how long to wait', async () => {
      const limiter = await make();
      for (let i = 0; i < 5; i++)
        expect(await limiter.take('messages', 's1')).toEqual({ ok: true });
      const refused = await limiter.take('messages', 's1');
      expect(refused.ok).toBe(false);
      if (!refused.ok) {
        expect(refused.retryAfterMs).toBeGreaterThan(50_000);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
      }
      // Another key, and another limit for the same key, count apart.
      expect(await limiter.take('messages', 's2')).toEqual({ ok: true });
      expect(await limiter.take('purges', 's1')).toEqual({ ok: true });
    });

    it('allows again once the window has passed', async () => {
      const limiter = await make();
      for (let i = 0; i < 3; i++) await limiter.take('sessionStarts', '203.0.113.7');
      expect((await limiter.take('sessionStarts', '203.0.113.7')).ok).toBe(false);
      await vi.waitFor(
        async () =>
          expect(await limiter.take('sessionStarts', '203.0.113.7')).toEqual({ ok: true }),
        { timeout: 3000, interval: 100 },
      );
    });

    it('check() counts nothing, and tells when a key has used its limit up', async () => {
      const limiter = await make();
      expect(await limiter.check('misses', 'ip')).toEqual({ ok: true });
      expect(await limiter.check('misses', 'ip')).toEqual({ ok: true });
      await limiter.take('misses', 'ip');
      expect(await limiter.check('misses', 'ip')).toEqual({ ok: true });
      await limiter.take('misses', 'ip');
      const used = await limiter.check('misses', 'ip');
      expect(used.ok).toBe(false);
      if (!used.ok) expect(used.retryAfterMs).toBeGreaterThan(50_000);
      // Going over blocks for the block time (2 s), not the window (60 s).
      expect((await limiter.take('misses', 'ip')).ok).toBe(false);
      const blocked = await limiter.check('misses', 'ip');
      expect(blocked.ok).toBe(false);
      if (!blocked.ok) expect(blocked.retryAfterMs).toBeLessThanOrEqual(2000);
    });

    it('a limit turned off (null) never refuses', async () => {
      const limiter = await make();
      for (let i = 0; i < 50; i++)
        expect(await limiter.take('restores', 'ip')).toEqual({ ok: true });
      expect(await limiter.check('restores', 'ip')).toEqual({ ok: true });
    });
  });
}
