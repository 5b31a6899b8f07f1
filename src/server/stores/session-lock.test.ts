// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createLocalSessionLock } from './session-lock.js';

const later = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('local session lock', () => {
  it('runs tasks of one key in order, even when an earlier one is slower', async () => {
    const queue = createLocalSessionLock();
    const order: string[] = [];
    await Promise.all([
      queue.run('s', async () => {
        await later(20);
        order.push('first');
      }),
      queue.run('s', async () => {
        order.push('second');
      }),
    ]);
    expect(order).toEqual(['first', 'second']);
  });

  it('runs different keys concurrently', async () => {
    const queue = createLocalSessionLock();
    const order: string[] = [];
    await Promise.all([
      queue.run('a', async () => {
        await later(20);
        order.push('a');
      }),
      queue.run('b', async () => {
        order.push('b');
      }),
    ]);
    expect(order).toEqual(['b', 'a']);
  });

  it('keeps going after a failed task and passes results through', async () => {
    const queue = createLocalSessionLock();
    const failed = queue.run('s', async () => {
      throw new Error('boom');
    });
    const next = queue.run('s', async () => 42);
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
  });

  it('idle waits for everything queued', async () => {
    const queue = createLocalSessionLock();
    let done = false;
    void queue.run('s', async () => {
      await later(10);
      done = true;
    });
    await queue.idle();
    expect(done).toBe(true);
  });
});
