// @vitest-environment node
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it } from 'vitest';
import { redisForThisFile } from '../testing/per-file-servers.js';
import { skipWithoutServers } from '../testing/server-binaries.js';
import { createRedisSessionStore, type RedisSessionStoreOptions } from './redis-store.js';
import { SessionNotFoundError, type SessionStore, type TaskState } from './session-store.js';
import { describeSessionStore } from './session-store-conformance.js';

const later = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe.skipIf(skipWithoutServers(['redis'], 'the Redis session store'))(
  'redis session store',
  () => {
    const redis = redisForThisFile();
    /** A store on the file's redis-server, under a key prefix of its own. */
    const open = (options: Omit<RedisSessionStoreOptions, 'client'>) =>
      createRedisSessionStore({ client: new Redis(redis().url), ...options });

    describeSessionStore('redis', (fixture) => open({ ...fixture, keyPrefix: `t${nanoid(6)}:` }));

    describe('two stores on one Redis (two nodes)', () => {
      let clock = 1_000_000;
      const stores: SessionStore[] = [];
      /** Two stores sharing a prefix: two nodes of one deployment. */
      const twoNodes = (options: Partial<RedisSessionStoreOptions> = {}) => {
        const keyPrefix = `n${nanoid(6)}:`;
        const node = () => {
          const store = open({ idleTtlMs: 60_000, now: () => clock, keyPrefix, ...options });
          stores.push(store);
          return store;
        };
        return [node(), node()] as const;
      };
      afterEach(async () => {
        clock = 1_000_000;
        await Promise.all(stores.splice(0).map((store) => store.close()));
      });

      it('see the same sessions: one creates, the other reads, appends and binds', async () => {
        const [a, b] = twoNodes();
        const session = await a.sessions.create('acme', 'v1');
        expect(await b.sessions.get(session.id)).toEqual(session);
        await b.history.append(session.id, { id: 'm1', author: 'visitor', text: 'hi', at: 1 });
        expect(await b.sockets.bind(session.id, 'socket-on-b')).toBeUndefined();
        expect(await a.sockets.bind(session.id, 'socket-on-a')).toBe('socket-on-b');
        expect((await a.history.after(session.id, 0)).map((m) => m.id)).toEqual(['m1']);
        expect(await b.sessions.count()).toBe(1);
      });

      it('recent on one node shows what the other appended since, and nothing once it purged', async () => {
        const [a, b] = twoNodes();
        const { id } = await a.sessions.create('acme');
        const message = (n: number) =>
          ({ id: `m${n}`, author: 'visitor', text: `${n}`, at: n }) as const;
        const seqs = async (limit: number) =>
          (await a.history.recent(id, limit))?.messages.map((m) => m.seq);
        for (let n = 1; n <= 3; n++) await a.history.append(id, message(n));
        expect(await seqs(50)).toEqual([1, 2, 3]);
        for (let n = 4; n <= 6; n++) await b.history.append(id, message(n));
        expect(await seqs(50)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await seqs(2)).toEqual([5, 6]);
        await b.history.append(id, message(7));
        expect(await seqs(50)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        const messagesAfter = async (seq: number) =>
          (await a.history.after(id, seq)).map((m) => m.seq);
        expect(await messagesAfter(0)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        await b.history.append(id, message(8));
        expect(await messagesAfter(6)).toEqual([7, 8]);
        expect(await messagesAfter(0)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        await b.sessions.delete(id);
        expect(await a.history.recent(id, 50)).toBeUndefined();
        await expect(a.history.after(id, 0)).rejects.toBeInstanceOf(SessionNotFoundError);
      });

      it('reads of one session at once on one node each get every message once', async () => {
        const [a, b] = twoNodes();
        const { id } = await a.sessions.create('acme');
        const message = (n: number) =>
          ({ id: `m${n}`, author: 'visitor', text: `${n}`, at: n }) as const;
        for (let n = 1; n <= 3; n++) await a.history.append(id, message(n));
        await a.history.after(id, 0);
        for (let n = 4; n <= 5; n++) await b.history.append(id, message(n));
        // Both leave with the same held range; the first answer replaces the cache before the
        // second is read.
        const [one, two, newest] = await Promise.all([
          a.history.after(id, 0),
          a.history.after(id, 0),
          a.history.recent(id, 1),
        ]);
        expect(one.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(two.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(newest?.messages.map((m) => m.seq)).toEqual([5]);
        expect((await a.history.after(id, 0)).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
      });

      it('a node reads again only the messages it does not hold', async () => {
        const [a, b] = twoNodes();
        const { id } = await a.sessions.create('acme');
        for (const n of [1, 2]) {
          await a.history.append(id, { id: `m${n}`, author: 'visitor', text: `${n}`, at: n });
        }
        expect((await a.history.after(id, 0)).map((m) => m.text)).toEqual(['1', '2']);
        // Changed behind the store's back: a node that holds message 1 does not read it again.
        const raw = new Redis(redis().url);
        const [history] = await raw.keys(`*history:{${id}}`);
        await raw.lset(
          history as string,
          0,
          '{"seq":1,"id":"m1","author":"visitor","text":"changed","at":1}',
        );
        await raw.quit();
        await a.history.append(id, { id: 'm3', author: 'visitor', text: '3', at: 3 });
        expect((await a.history.after(id, 0)).map((m) => m.text)).toEqual(['1', '2', '3']);
        expect((await a.history.recent(id, 50))?.messages.map((m) => m.text)).toEqual([
          '1',
          '2',
          '3',
        ]);
        expect((await b.history.after(id, 0)).map((m) => m.text)).toEqual(['changed', '2', '3']);
      });

      it("run one session's work one at a time across nodes, in each node's call order", async () => {
        const [a, b] = twoNodes();
        const { id } = await a.sessions.create('acme');
        // A read-modify-write of a value, from both nodes at once: without a shared lock the
        // increments would overwrite each other.
        const increment = (store: SessionStore, by: string) =>
          store.lock.run(id, async () => {
            const n = ((await store.values.get(id, 'n')) as number | undefined) ?? 0;
            await later(1);
            await store.values.save(id, 'n', n + 1);
            const order = ((await store.values.get(id, 'order')) as string[] | undefined) ?? [];
            await store.values.save(id, 'order', [...order, by]);
          });
        await Promise.all(
          Array.from({ length: 10 }, (_, i) => [
            increment(a, `a${i}`),
            increment(b, `b${i}`),
          ]).flat(),
        );
        expect(await a.values.get(id, 'n')).toBe(20);
        const order = (await a.values.get(id, 'order')) as string[];
        expect(order.filter((x) => x.startsWith('a'))).toEqual(
          Array.from({ length: 10 }, (_, i) => `a${i}`),
        );
        expect(order.filter((x) => x.startsWith('b'))).toEqual(
          Array.from({ length: 10 }, (_, i) => `b${i}`),
        );
      });

      it('a node waits while another holds the session, then runs', async () => {
        const [a, b] = twoNodes();
        const { id } = await a.sessions.create('acme');
        const events: string[] = [];
        let onB: Promise<void> | undefined;
        await a.lock.run(id, async () => {
          events.push('a starts');
          onB = b.lock.run(id, async () => {
            events.push('b runs');
          });
          await later(100);
          events.push('a ends');
        });
        await onB;
        expect(events).toEqual(['a starts', 'a ends', 'b runs']);
      });

      it('a stale lease (its holder died) runs out after the lease time, and work goes on', async () => {
        const [a, b] = twoNodes({ lockLeaseMs: 300 });
        const { id } = await a.sessions.create('acme');
        // Start work on a, then cut a's connection: its lease stays in Redis, unreleased.
        let release: () => void = () => {};
        const stuck = a.lock.run(id, () => new Promise<void>((done) => (release = done)));
        await later(50);
        const dead = stores[0] as unknown as { close(): Promise<void> };
        const started = Date.now();
        let bRan = 0;
        const onB = b.lock.run(id, async () => {
          bRan = Date.now();
        });
        // a keeps renewing while alive: b waits.
        await later(500);
        expect(bRan).toBe(0);
        // a's process "dies": nothing renews or releases its lease any more.
        await dead.close();
        await onB;
        expect(bRan - started).toBeGreaterThanOrEqual(500);
        release();
        await stuck.catch(() => undefined);
      });

      it('an idle session is evicted by exactly one of two sweeping nodes', async () => {
        const [a, b] = twoNodes();
        const ids: string[] = [];
        for (let i = 0; i < 300; i++) ids.push((await a.sessions.create('acme')).id);
        clock += 60_000;
        const [fromA, fromB] = await Promise.all([
          a.sessions.sweep(clock),
          b.sessions.sweep(clock),
        ]);
        expect([...fromA, ...fromB].sort()).toEqual([...ids].sort());
        expect(new Set([...fromA, ...fromB]).size).toBe(300);
      });

      it('a node holding an old copy of a task cannot write it back after another ended it', async () => {
        const [a, b] = twoNodes();
        const { id } = await a.sessions.create('acme');
        const task: TaskState = {
          id: 't1',
          version: 1,
          label: 'Showing pricing',
          steps: [{ type: 'say', text: 'hi' }],
          step: 0,
          status: 'running',
          createdAt: clock,
          updatedAt: clock,
        };
        expect(await a.tasks.save(id, task)).toBe(true);
        const copyOnA = await a.tasks.get(id);
        expect(await b.tasks.delete(id, 't1')).toBe(true);
        expect(await a.tasks.save(id, { ...copyOnA!, version: 2, step: 1 })).toBe(false);
        expect(await b.tasks.get(id)).toBeUndefined();
        expect((await b.sessions.get(id))?.taskId).toBeUndefined();
      });
    });

    describe('keys', () => {
      const stores: SessionStore[] = [];
      afterEach(async () => {
        await Promise.all(stores.splice(0).map((store) => store.close()));
      });

      it('expire in Redis only as a safety net, well after the idle TTL', async () => {
        const keyPrefix = `k${nanoid(6)}:`;
        const store = open({ idleTtlMs: 60_000, keyPrefix });
        stores.push(store);
        const { id } = await store.sessions.create('acme', 'v1');
        await store.history.append(id, { id: 'm1', author: 'visitor', text: 'hi', at: 1 });
        await store.values.save(id, 'k', 1);
        const client = new Redis(redis().url);
        try {
          for (const kind of ['session', 'history', 'seqs', 'values']) {
            const ttl = await client.pttl(`${keyPrefix}${kind}:{${id}}`);
            expect(ttl, kind).toBeGreaterThan(2 * 60_000);
          }
          // Site values never expire.
          await store.siteValues.save('acme', 'banner', 'Sale!');
          expect(await client.pttl(`${keyPrefix}site:acme`)).toBe(-1);
          // Deleting a session leaves no key of it behind.
          await store.sessions.delete(id);
          expect(await client.keys(`${keyPrefix}*{${id}}*`)).toEqual([]);
          expect(await client.zcard(`${keyPrefix}idle`)).toBe(0);
        } finally {
          await client.quit();
        }
      });
    });
  },
);
