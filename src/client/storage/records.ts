import type { RawStorage } from './raw-storage.js';

/** What one record looks like in storage: versioned, with its own expiry. */
interface Envelope {
  v: number;
  expiresAt: number;
  data: unknown;
}

export interface RecordOptions<T> {
  storage: RawStorage;
  key: string;
  /** Bump when `data`'s shape changes; older versions go through `migrate` or are dropped. */
  version: number;
  /** Lifetime counted from the last write (a function when the site's settings may change it). */
  ttlMs: number | (() => number);
  /** Narrows untrusted data read back; return undefined to drop the record. */
  parse: (data: unknown) => T | undefined;
  migrate?: (data: unknown, fromVersion: number) => unknown;
  now: () => number;
}

/** A typed localStorage record with a TTL. Expired, unreadable or invalid records read as absent. */
export interface StoredRecord<T> {
  readonly key: string;
  read(): T | undefined;
  /**
   * Writes `data`, to expire after the TTL from now; with `keepExpiry`, no later than the record
   * it replaces would have (a change that must not extend its life).
   */
  write(data: T, keepExpiry?: boolean): void;
  remove(): void;
}

/**
 * @example
 * const widget = createRecord({ storage, key: 'leflux:widget', version: 1, ttlMs: DAY,
 *   parse: (d) => (isWidgetState(d) ? d : undefined), now: Date.now });
 */
export function createRecord<T>(options: RecordOptions<T>): StoredRecord<T> {
  const { storage, key, version, ttlMs, parse, migrate, now } = options;

  function read(): T | undefined {
    const raw = storage.getItem(key);
    if (raw === null) return undefined;
    const data = decode(raw);
    if (data === undefined) storage.removeItem(key);
    return data;
  }

  function decode(raw: string): T | undefined {
    let envelope: Partial<Envelope>;
    try {
      envelope = JSON.parse(raw);
    } catch {
      return undefined;
    }
    if (typeof envelope !== 'object' || envelope === null) return undefined;
    const { v, expiresAt } = envelope;
    if (typeof v !== 'number' || typeof expiresAt !== 'number' || expiresAt <= now())
      return undefined;
    let data = envelope.data;
    if (v !== version) {
      if (!migrate || v > version) return undefined;
      data = migrate(data, v);
    }
    return parse(data);
  }

  return {
    key,
    read,
    write(data, keepExpiry = false) {
      let expiresAt = now() + (typeof ttlMs === 'function' ? ttlMs() : ttlMs);
      if (keepExpiry) {
        try {
          const stored = (JSON.parse(storage.getItem(key) ?? 'null') as Partial<Envelope> | null)
            ?.expiresAt;
          if (typeof stored === 'number') expiresAt = Math.min(expiresAt, stored);
        } catch {
          // Unreadable: the fresh expiry it is.
        }
      }
      storage.setItem(key, JSON.stringify({ v: version, expiresAt, data } satisfies Envelope));
    },
    remove() {
      storage.removeItem(key);
    },
  };
}
