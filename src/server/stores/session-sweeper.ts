import type { Logger } from '../logger.js';
import type { SessionStore } from './session-store.js';

export interface SessionSweeperOptions {
  store: SessionStore;
  intervalMs: number;
  now: () => number;
  /** Told about every sweep's evictions, so open sockets can be notified. */
  onEvicted: (sessionIds: string[]) => void;
  /** More to sweep on every round after the evictions (agent tasks past their deadline). */
  alsoSweep?: (now: number) => Promise<void>;
  logger: Logger;
}

/**
 * Periodically evicts idle sessions. The store also checks idleness on every access, so a
 * late or skipped sweep only delays notifications, never lets an expired session live.
 * Returns a stop function.
 */
export function startSessionSweeper(options: SessionSweeperOptions): () => void {
  const { store, intervalMs, now, onEvicted, alsoSweep, logger } = options;
  let running = false;
  const timer = setInterval(async () => {
    // A slow store must not stack sweeps on top of each other.
    if (running) return;
    running = true;
    try {
      const at = now();
      const evicted = await store.sessions.sweep(at);
      if (evicted.length > 0) onEvicted(evicted);
      await alsoSweep?.(at);
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
