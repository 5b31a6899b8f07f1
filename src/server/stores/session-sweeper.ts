import type { Logger } from '../logger.js';
import type { SessionStore } from './session-store.js';

export interface SessionSweeperOptions {
  store: SessionStore;
  intervalMs: number;
  now: () => number;
  /** Told about every sweep's evictions, so open sockets can be notified. */
  onEvicted: (sessionIds: string[]) => void;
  logger: Logger;
}

/**
 * Periodically evicts idle sessions. The store also checks idleness on every access, so a
 * late or skipped sweep only delays notifications, never lets an expired session live.
 * Returns a stop function.
 */
export function startSessionSweeper(options: SessionSweeperOptions): () => void {
  const { store, intervalMs, now, onEvicted, logger } = options;
  let running = false;
  const timer = setInterval(async () => {
    // A slow store must not stack sweeps on top of each other.
    if (running) return;
    running = true;
    try {
      const evicted = await store.sweep(now());
      if (evicted.length > 0) onEvicted(evicted);
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
