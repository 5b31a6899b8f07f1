/** A tiny typed event emitter. A throwing handler (site code) is reported, never allowed to break us. */
export interface Emitter<Events extends object> {
  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void;
  off<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): void;
  emit<K extends keyof Events>(event: K, payload: Events[K]): void;
  clear(): void;
}

export function createEmitter<Events extends object>(): Emitter<Events> {
  const handlers = new Map<keyof Events, Set<(payload: never) => void>>();
  const emitter: Emitter<Events> = {
    on(event, handler) {
      const set = handlers.get(event) ?? new Set();
      handlers.set(event, set);
      set.add(handler);
      return () => emitter.off(event, handler);
    },
    off(event, handler) {
      handlers.get(event)?.delete(handler);
    },
    emit(event, payload) {
      for (const handler of handlers.get(event) ?? []) {
        try {
          (handler as (p: Events[typeof event]) => void)(payload);
        } catch (error) {
          console.error(`[leflux] a "${String(event)}" handler threw`, error);
        }
      }
    },
    clear() {
      handlers.clear();
    },
  };
  return emitter;
}
