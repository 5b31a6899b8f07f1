import { describe, expect, it } from 'vitest';
import { createActivityTracker } from './activity.js';
import type { SessionRecord } from './storage/session-records.js';

function setup(visible = true) {
  const clock = { t: 1_000 };
  let record: SessionRecord | undefined = {
    id: 's1',
    token: 't',
    siteKey: 'acme',
    savedAt: 0,
    startedAt: 1_000,
  };
  const state = { visible };
  const tracker = createActivityTracker({
    now: () => clock.t,
    isVisible: () => state.visible,
    readSession: () => record,
    updateSession: (patch) => {
      if (record) record = { ...record, ...patch(record) };
    },
  });
  return { clock, state, tracker, record: () => record, drop: () => (record = undefined) };
}

describe('createActivityTracker', () => {
  it('counts visible time only, settled into the record, plus the stretch in progress', () => {
    const { clock, state, tracker, record } = setup();
    clock.t += 4_000;
    state.visible = false;
    tracker.settle();
    expect(record()?.activeMs).toBe(4_000);
    clock.t += 60_000; // hidden: does not count
    state.visible = true;
    tracker.settle();
    clock.t += 1_000;
    expect(tracker.snapshot(undefined).activeTime).toBe(5_000);
  });

  it('keeps the last action, and knows a returning visitor by an earlier first session', () => {
    const { clock, tracker } = setup();
    clock.t = 9_000;
    tracker.touch();
    expect(tracker.snapshot(undefined)).toMatchObject({
      lastActive: 9_000,
      isReturningUser: false,
    });
    expect(tracker.snapshot(1_000).isReturningUser).toBe(false); // this very session
    expect(tracker.snapshot(500).isReturningUser).toBe(true);
  });

  it('counts nothing without a session', () => {
    const { clock, tracker, drop } = setup();
    drop();
    tracker.settle();
    clock.t += 10_000;
    expect(tracker.snapshot(undefined)).toEqual({
      activeTime: 0,
      lastActive: null,
      isReturningUser: false,
    });
  });
});
