/**
 * Runs tasks one after another per key (a promise chain per session id), so two events of
 * one session are processed in arrival order while different sessions run concurrently.
 */
export interface SessionQueue {
  /** Runs `task` after every earlier task of `key`; a failed task does not block later ones. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Resolves when every task queued so far has settled. */
  idle(): Promise<void>;
}

export function createSessionQueue(): SessionQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, task) {
      // Tails never reject, so each task starts once the previous one settled either way.
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task);
      const tail = result.then(
        () => {},
        () => {},
      );
      tails.set(key, tail);
      // Drop the chain once it is drained, so idle sessions hold no memory here.
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    async idle() {
      while (tails.size > 0) await Promise.all(tails.values());
    },
  };
}
