import type { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import type { SessionLock } from './session-store.js';

export interface RedisSessionLockOptions {
  client: Redis;
  /** Prefix of the lock keys (the session id follows). */
  keyPrefix: string;
  /**
   * How long a lease lasts unless renewed. A node renews the leases it holds every third of it;
   * a node that dies holding one (SIGKILL) blocks that session for at most this long. Default 3 s.
   */
  leaseMs?: number;
  /** The longest `run` waits for a lease another node holds before it rejects. Default 10 s. */
  waitMs?: number;
  /** Told when a lease ran out while its work was still running (see the safety note). */
  onLeaseLost?: (sessionId: string) => void;
}

interface Job {
  work: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Work run under one lease before it is released, so a busy session lets other nodes in. */
const JOBS_PER_LEASE = 32;

const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

interface LockCommands {
  lefluxUnlock(key: string, token: string): Promise<number>;
  lefluxRenewLock(key: string, token: string, leaseMs: number): Promise<number>;
}

/**
 * A `SessionLock` shared by every process on one Redis: in a process, a queue per session (call
 * order); across processes, a lease per session in Redis (`SET key token NX PX lease`), renewed
 * while held and released by compare-and-delete, so only its holder can release it.
 *
 * While a node holds a session's lease, the work queued for that session on that node runs
 * under it one after the other (up to `JOBS_PER_LEASE`), so a burst costs one acquire and one
 * release. Waiting for another node's lease polls with a short backoff: sessions are rarely
 * worked on by two nodes at once (one socket per session), only around a takeover, an
 * operator's message through another node, a purge or the sweeper.
 *
 * Safety: the lock orders work; it is not what keeps the data right. Every store operation is
 * one atomic script, task writes are versioned and message appends are deduplicated by id, so
 * a holder whose lease ran out (a stalled process) can at worst interleave with the next
 * holder, never undo a newer task state, bring back a finished task or store a message twice.
 *
 * @example
 * const lock = createRedisSessionLock({ client, keyPrefix: 'leflux:lock:' });
 * await lock.run(sessionId, async () => { ... });
 */
export function createRedisSessionLock(options: RedisSessionLockOptions): SessionLock {
  const { client, keyPrefix, leaseMs = 3000, waitMs = 10_000, onLeaseLost } = options;
  if (!('lefluxUnlock' in client)) {
    client.defineCommand('lefluxUnlock', { lua: UNLOCK, numberOfKeys: 1 });
    client.defineCommand('lefluxRenewLock', { lua: RENEW, numberOfKeys: 1 });
  }
  const commands = client as unknown as LockCommands;
  /** Work waiting per session on this node; present while a drain runs for that session. */
  const queues = new Map<string, Job[]>();
  /** Leases held now: session id -> token and when it was taken or last renewed. */
  const held = new Map<string, { token: string; renewedAt: number }>();
  /** Drains and releases in flight, for `idle()`. */
  const inFlight = new Set<Promise<unknown>>();
  let renewer: NodeJS.Timeout | undefined;

  const track = (promise: Promise<unknown>) => {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  };

  function renewAll(): void {
    const at = Date.now();
    for (const [sessionId, lease] of held) {
      if (at - lease.renewedAt < leaseMs / 3) continue;
      lease.renewedAt = at;
      commands.lefluxRenewLock(keyPrefix + sessionId, lease.token, leaseMs).then(
        (renewed) => {
          if (renewed === 0 && held.get(sessionId) === lease) onLeaseLost?.(sessionId);
        },
        () => {
          // Redis unreachable: the lease runs out unless a later renewal gets through.
        },
      );
    }
    if (held.size === 0 && renewer) {
      clearInterval(renewer);
      renewer = undefined;
    }
  }

  async function acquire(sessionId: string): Promise<string> {
    const token = nanoid();
    const giveUpAt = Date.now() + waitMs;
    let delay = 2;
    for (;;) {
      const taken = await client.set(keyPrefix + sessionId, token, 'PX', leaseMs, 'NX');
      if (taken === 'OK') return token;
      if (Date.now() >= giveUpAt) {
        throw new Error(`session ${sessionId} stayed locked by another node for ${waitMs} ms`);
      }
      await new Promise((done) => setTimeout(done, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 50);
    }
  }

  /** Runs the session's queued work under leases until its queue is empty. */
  async function drain(sessionId: string, jobs: Job[]): Promise<void> {
    while (jobs.length > 0) {
      let token: string;
      try {
        token = await acquire(sessionId);
      } catch (error) {
        for (const job of jobs.splice(0)) job.reject(error);
        break;
      }
      held.set(sessionId, { token, renewedAt: Date.now() });
      renewer ??= setInterval(renewAll, Math.max(10, Math.floor(leaseMs / 3))).unref();
      try {
        for (let ran = 0; jobs.length > 0 && ran < JOBS_PER_LEASE; ran++) {
          const job = jobs.shift() as Job;
          try {
            job.resolve(await job.work());
          } catch (error) {
            job.reject(error);
          }
        }
      } finally {
        held.delete(sessionId);
        // Not awaited: the work's caller has its answer already. The next acquire from this
        // node goes out on the same connection after it, so Redis sees them in that order.
        track(commands.lefluxUnlock(keyPrefix + sessionId, token).catch(() => undefined));
      }
    }
    queues.delete(sessionId);
  }

  return {
    run<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const job: Job = { work, resolve: resolve as (value: unknown) => void, reject };
        const waiting = queues.get(sessionId);
        if (waiting) {
          waiting.push(job);
          return;
        }
        const jobs = [job];
        queues.set(sessionId, jobs);
        track(drain(sessionId, jobs));
      });
    },

    async idle() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}
