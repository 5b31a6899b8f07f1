import type { SessionLock } from './session-store.js';

/**
 * A `SessionLock` for one process: a promise chain per session id, so two pieces of work of one
 * session run in call order while different sessions run concurrently. Enough for the memory
 * store (one process holds every session); a store shared by several processes needs a lock
 * they share.
 *
 * @example
 * const lock = createLocalSessionLock();
 * await lock.run(sessionId, async () => { ... });
 */
export function createLocalSessionLock(): SessionLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, work) {
      // Tails never reject, so each work starts once the previous one settled either way. With
      // nothing before it, work starts at once: a hop less on every message.
      const previous = tails.get(key);
      const result = previous === undefined ? start(work) : previous.then(work);
      // Drop the chain once it is drained, so idle sessions hold no memory here. (Inline
      // callbacks: a named closure per call costs more than the two of them.)
      const tail: Promise<void> = result.then(
        () => {
          if (tails.get(key) === tail) tails.delete(key);
        },
        () => {
          if (tails.get(key) === tail) tails.delete(key);
        },
      );
      tails.set(key, tail);
      return result;
    },
    async idle() {
      while (tails.size > 0) await Promise.all(tails.values());
    },
  };
}

/** Starts `work` now; a synchronous throw becomes a rejection, as it would after `then`. */
function start<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work();
  } catch (error) {
    return Promise.reject(error);
  }
}
