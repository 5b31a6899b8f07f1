import { describe, expect, it } from 'vitest';
import { memoryStorage, persistentStorage } from './raw-storage.js';
import { createRecord } from './records.js';

const HOUR = 3_600_000;

function setup(now = { t: 1_000_000 }) {
  const storage = memoryStorage();
  const record = createRecord<{ n: number }>({
    storage,
    key: 'leflux:test',
    version: 2,
    ttlMs: 24 * HOUR,
    now: () => now.t,
    parse: (d) =>
      typeof (d as { n?: unknown })?.n === 'number' ? (d as { n: number }) : undefined,
    migrate: (d, from) => (from === 1 ? { n: Number((d as { count: string }).count) } : d),
  });
  return { storage, record, now };
}

describe('createRecord', () => {
  it('reads back what it wrote, with a version and an expiry', () => {
    const { storage, record, now } = setup();
    record.write({ n: 7 });
    expect(record.read()).toEqual({ n: 7 });
    expect(JSON.parse(storage.getItem('leflux:test')!)).toEqual({
      v: 2,
      expiresAt: now.t + 24 * HOUR,
      data: { n: 7 },
    });
  });

  it('drops a record once its TTL has passed, counted from the last write', () => {
    const { storage, record, now } = setup();
    record.write({ n: 1 });
    now.t += 23 * HOUR;
    record.write({ n: 2 });
    now.t += 23 * HOUR;
    expect(record.read()).toEqual({ n: 2 });
    now.t += 1 * HOUR + 1;
    expect(record.read()).toBeUndefined();
    expect(storage.getItem('leflux:test')).toBeNull();
  });

  it('keeps the expiry it had when asked to, never extending it', () => {
    const { record, now } = setup();
    record.write({ n: 1 });
    const first = now.t + 24 * HOUR;
    now.t += 20 * HOUR;
    record.write({ n: 2 }, true);
    now.t += 4 * HOUR - 1;
    expect(record.read()).toEqual({ n: 2 });
    now.t += 1;
    expect(record.read()).toBeUndefined();
    // Without a record before it, the expiry is the TTL's.
    record.write({ n: 3 }, true);
    now.t += 24 * HOUR - 1;
    expect(record.read()).toEqual({ n: 3 });
    expect(first).toBeLessThan(now.t);
  });

  it.each([
    ['not JSON', '{oops'],
    ['JSON null', 'null'],
    ['no expiry', JSON.stringify({ v: 2, data: { n: 1 } })],
    ['invalid data', JSON.stringify({ v: 2, expiresAt: 9e15, data: { n: 'x' } })],
    ['a newer version', JSON.stringify({ v: 3, expiresAt: 9e15, data: { n: 1 } })],
  ])('treats %s as absent and removes it', (_what, raw) => {
    const { storage, record } = setup();
    storage.setItem('leflux:test', raw);
    expect(record.read()).toBeUndefined();
    expect(storage.getItem('leflux:test')).toBeNull();
  });

  it('migrates an older version', () => {
    const { storage, record } = setup();
    storage.setItem('leflux:test', JSON.stringify({ v: 1, expiresAt: 9e15, data: { count: '5' } }));
    expect(record.read()).toEqual({ n: 5 });
  });
});

describe('persistentStorage', () => {
  it('falls back to memory when localStorage throws on access', () => {
    const storage = persistentStorage(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    expect(storage.persistent).toBe(false);
    storage.setItem('k', 'v');
    expect(storage.getItem('k')).toBe('v');
  });

  it('keeps a value in memory when a later write throws (quota), and reads it back', () => {
    const backing = new Map<string, string>();
    let full = false;
    const fake = {
      getItem: (k: string) => backing.get(k) ?? null,
      setItem: (k: string, v: string) => {
        if (full) throw new DOMException('full', 'QuotaExceededError');
        backing.set(k, v);
      },
      removeItem: (k: string) => void backing.delete(k),
    } as unknown as Storage;
    const storage = persistentStorage(() => fake);
    expect(storage.persistent).toBe(true);
    storage.setItem('a', '1');
    full = true;
    storage.setItem('a', '2');
    expect(storage.getItem('a')).toBe('2');
    storage.removeItem('a');
    expect(storage.getItem('a')).toBeNull();
    expect(backing.has('a')).toBe(false);
  });
});
