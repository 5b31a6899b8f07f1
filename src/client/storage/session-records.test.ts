import { describe, expect, it } from 'vitest';
import { memoryStorage } from './raw-storage.js';
import { sessionRecords } from './session-records.js';

const DAY = 24 * 3_600_000;

function setup() {
  const storage = memoryStorage();
  const records = sessionRecords({ storage, now: () => 1_000, sessionTtlMs: DAY, userTtlMs: DAY });
  const raw = (key: string, data: unknown) =>
    storage.setItem(key, JSON.stringify({ v: 1, expiresAt: 9e15, data }));
  return { records, raw };
}

describe('sessionRecords', () => {
  it('reads an ended session record back with its end', () => {
    const { records, raw } = setup();
    raw('leflux:sessionId', { id: 's1', token: 't1', siteKey: 'acme', savedAt: 1, endedAt: 5 });
    expect(records.session.read()).toEqual({
      id: 's1',
      token: 't1',
      siteKey: 'acme',
      savedAt: 1,
      endedAt: 5,
    });
    raw('leflux:sessionId', { id: 's1', token: 't1', siteKey: 'acme', savedAt: 1, endedAt: 'x' });
    expect(records.session.read()).toEqual({ id: 's1', token: 't1', siteKey: 'acme', savedAt: 1 });
  });

  it('keeps the window state with its draft, and drops a draft that cannot be a message', () => {
    const { records, raw } = setup();
    records.widget.write({ open: true, draft: 'half a thought' });
    expect(records.widget.read()).toEqual({ open: true, draft: 'half a thought' });
    raw('leflux:widget', { open: false, draft: 'x'.repeat(4_001) });
    expect(records.widget.read()).toEqual({ open: false });
    raw('leflux:widget', { open: true, draft: 42 });
    expect(records.widget.read()).toEqual({ open: true });
    raw('leflux:widget', { draft: 'no state' });
    expect(records.widget.read()).toBeUndefined();
  });
});
