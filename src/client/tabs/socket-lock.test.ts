import { describe, expect, it } from 'vitest';
import { drained, fakeLocks } from '../client-fakes.js';
import { createSocketLock } from './socket-lock.js';

/** Tabs of one origin contending for the socket through one lock manager. */
function tabs(locks: LockManager | null = fakeLocks()) {
  const log: string[] = [];
  const tab = (name: string) =>
    createSocketLock({
      name: 'leflux:socket:acme',
      granted: () => log.push(`${name} granted`),
      lost: () => log.push(`${name} lost`),
      locks,
    });
  return { log, tab };
}

describe('createSocketLock with Web Locks', () => {
  it('grants the first tab in line; the next waits until the holder lets go', async () => {
    const { log, tab } = tabs();
    const a = tab('a');
    const b = tab('b');
    a.follow();
    await drained();
    b.follow();
    await drained();
    expect(log).toEqual(['a granted']);
    expect([a.holding(), b.holding()]).toEqual([true, false]);
    a.release();
    await drained();
    expect(log).toEqual(['a granted', 'b granted']);
    expect([a.holding(), b.holding()]).toEqual([false, true]);
  });

  it('a tab that takes it breaks the held lock: the holder loses it, the taker holds', async () => {
    const { log, tab } = tabs();
    const a = tab('a');
    const b = tab('b');
    a.follow();
    await drained();
    b.follow();
    b.take();
    await drained();
    expect(log.sort()).toEqual(['a granted', 'a lost', 'b granted']);
    expect([a.holding(), b.holding()]).toEqual([false, true]);
    // B's earlier place in line was given up: when B lets go, nobody is left in line.
    b.release();
    a.follow();
    await drained();
    expect(log.at(-1)).toBe('a granted');
  });

  it('following or taking again while holding changes nothing', async () => {
    const { log, tab } = tabs();
    const a = tab('a');
    a.follow();
    await drained();
    a.follow();
    a.take();
    await drained();
    expect(log).toEqual(['a granted']);
    expect(a.elected).toBe(true);
  });
});

describe('createSocketLock without Web Locks', () => {
  it('grants every tab at once: the server decides who holds the session', () => {
    const { log, tab } = tabs(null);
    const a = tab('a');
    const b = tab('b');
    a.follow();
    b.take();
    expect(log).toEqual(['a granted', 'b granted']);
    expect(a.elected).toBe(false);
    a.release();
    expect(a.holding()).toBe(false);
  });
});
