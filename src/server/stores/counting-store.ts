import type { SessionStore } from './session-store.js';

/** A store whose every data call (not the lock) is counted: `history.appendVisitor`, … */
export interface CountingStore {
  store: SessionStore;
  /** The calls since the last `reset()`, in order, as `concept.method`. */
  readonly calls: string[];
  reset(): void;
}

const CONCEPTS = [
  'sessions',
  'history',
  'sockets',
  'tasks',
  'waits',
  'values',
  'siteValues',
  'visitors',
] as const;

/**
 * Wraps `inner` so that tests can count the store round trips an operation costs.
 *
 * @example
 * const counting = countingStore(createMemorySessionStore({ idleTtlMs: 60_000 }));
 * counting.reset(); await work(counting.store); expect(counting.calls.length).toBeLessThanOrEqual(3);
 */
export function countingStore(inner: SessionStore): CountingStore {
  const calls: string[] = [];
  const counted = <T extends object>(name: string, target: T): T => {
    const wrapped: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(target)) {
      wrapped[key] =
        typeof value === 'function'
          ? (...args: unknown[]) => {
              calls.push(`${name}.${key}`);
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            }
          : value;
    }
    return wrapped as T;
  };
  const store: SessionStore = {
    ...inner,
    lock: inner.lock,
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  for (const concept of CONCEPTS) {
    (store as unknown as Record<string, unknown>)[concept] = counted(concept, inner[concept]);
  }
  return {
    store,
    calls,
    reset() {
      calls.length = 0;
    },
  };
}
