import type { Logger } from '../logger.js';

export interface SessionSweeperOptions {
  /** One round at `now`: evictions, then task deadlines. */
  sweep: (now: number) => Promise<unknown>;
  intervalMs: number;
  now: () => number;
  logger: Logger;
}

/**
 * Periodically evicts idle sessions and ends tasks past their deadline. The store also checks
 * idleness on every access, so a late or skipped sweep only delays notifications, never lets an
 * expired session live. Returns a stop function.
 */
export function startSessionSweeper(options: SessionSweeperOptions): () => void {
  const { sweep, intervalMs, now, logger } = options;
  let running = false;
  const timer = setInterval(async () => {
    // A slow store must not stack sweeps on top of each other.
    if (running) return;
    running = true;
    try {
      await sweep(now());
    } catch (error) {
      logger.error('session sweep failed', error);
    } finally {
      running = false;
    }
  }, intervalMs);
  // The sweeper alone must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
