/** The raw string storage the record layer sits on: localStorage, or memory when that is unusable. */
export interface RawStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  /** False when this is the in-memory fallback (nothing survives the page). */
  readonly persistent: boolean;
}

export function memoryStorage(): RawStorage {
  const map = new Map<string, string>();
  return {
    persistent: false,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}

/**
 * localStorage behind a getter, because merely touching `window.localStorage` throws in some
 * sandboxed iframes and with cookies blocked. If it is missing or a probe write fails (quota,
 * Safari private mode), we keep working in memory for this page. Individual calls that throw
 * later (quota exceeded mid-session) fall back to memory for that key instead of crashing.
 *
 * @example const storage = persistentStorage(() => window.localStorage);
 */
export function persistentStorage(get: () => Storage | undefined): RawStorage {
  let storage: Storage | undefined;
  try {
    storage = get();
    if (storage) {
      const probe = 'leflux:probe';
      storage.setItem(probe, probe);
      storage.removeItem(probe);
    }
  } catch {
    storage = undefined;
  }
  if (!storage) return memoryStorage();
  const local = storage;
  const shadow = memoryStorage();
  return {
    persistent: true,
    getItem(key) {
      try {
        return shadow.getItem(key) ?? local.getItem(key);
      } catch {
        return shadow.getItem(key);
      }
    },
    setItem(key, value) {
      try {
        local.setItem(key, value);
        shadow.removeItem(key);
      } catch {
        shadow.setItem(key, value);
      }
    },
    removeItem(key) {
      shadow.removeItem(key);
      try {
        local.removeItem(key);
      } catch {
        // Nothing to keep consistent: the shadow copy is gone already.
      }
    },
  };
}
