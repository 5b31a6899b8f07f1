/** A minimal observable store (zustand's core): the widget binds to it with one hook. */
export interface StateStore<S> {
  getState(): S;
  setState(patch: Partial<S>): void;
  subscribe(listener: (state: S, previous: S) => void): () => void;
}

export function createStateStore<S extends object>(initial: S): StateStore<S> {
  let state = initial;
  const listeners = new Set<(state: S, previous: S) => void>();
  return {
    getState: () => state,
    setState(patch) {
      const previous = state;
      let changed = false;
      for (const key in patch) {
        if (!Object.is(patch[key], previous[key])) changed = true;
      }
      if (!changed) return;
      state = { ...previous, ...patch };
      for (const listener of listeners) listener(state, previous);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
