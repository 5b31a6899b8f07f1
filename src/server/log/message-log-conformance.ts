import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { capturingLogger } from '../testing/capturing-logger.js';
import type {
  MessageLog,
  MessageLogBatchOptions,
  MessageLogEntry,
  RangeCursor,
} from './message-log.js';

/** What the conformance suite needs from one implementation, fresh for each test. */
export interface MessageLogFixture {
  /**
   * Opens a log on this test's storage, empty at first; opening again reopens the same storage,
   * so a new log sees what an earlier (closed) one wrote.
   */
  open(options?: MessageLogBatchOptions): MessageLog;
  /**
   * The message ids stored for good, as another connection sees them (queued rows are not),
   * by session id then seq.
   */
  committed(): Promise<string[]>;
  /** Makes the storage refuse writes (not reads) until the returned function is called. */
  refuseWrites(): Promise<() => Promise<void>>;
  /** Removes what the test made; logs are closed before. */
  dispose?(): Promise<void>;
}

export const entry = (over: Partial<MessageLogEntry> = {}): MessageLogEntry => ({
  sessionId: 's1',
  siteKey: 'acme',
  messageId: 'm1',
  author: 'visitor',
  text: 'hello',
  at: 1000,
  seq: 1,
  url: 'https://acme.test/',
  ...over,
});

/** A `schedule` option the test runs by hand: nothing fires until `runAll()`. */
function manualSchedule() {
  const pending = new Map<number, { task: () => void; ms: number }>();
  let nextId = 0;
  return {
    schedule: (task: () => void, ms: number) => {
      const id = nextId++;
      pending.set(id, { task, ms });
      return () => void pending.delete(id);
    },
    delays: () => [...pending.values()].map((p) => p.ms),
    runAll() {
      const due = [...pending.values()];
      pending.clear();
      for (const { task } of due) task();
    },
  };
}

/** Polls until `read` gives `expected` (writes may finish after the call that started them). */
const eventually = <T>(read: () => Promise<T>, expected: T, timeout = 5000) =>
  vi.waitFor(async () => expect(await read()).toEqual(expected), { timeout, interval: 5 });

/**
 * The behaviour every `MessageLog` shares, run against each implementation (SQLite,
 * PostgreSQL) by its own test file with a fixture for its storage.
 *
 * @example describeMessageLog('sqlite', () => sqliteFixture());
 */
export function describeMessageLog(
  name: string,
  makeFixture: () => MessageLogFixture | Promise<MessageLogFixture>,
): void {
  describe(`${name} message log (MessageLog conformance)`, () => {
    let fixture: MessageLogFixture;
    const opened: MessageLog[] = [];
    const open = (options?: MessageLogBatchOptions) => {
      const log = fixture.open(options);
      opened.push(log);
      return log;
    };
    const committed = () => fixture.committed();

    beforeEach(async () => {
      fixture = await makeFixture();
    });
    afterEach(async () => {
      for (const log of opened.splice(0)) await log.close();
      await fixture.dispose?.();
    });

    it('appends and lists a session ascending by seq, every field kept', async () => {
      const log = open();
      const reply = entry({
        messageId: 'm2',
        seq: 2,
        author: 'agent',
        at: 1_764_590_400_123,
        url: undefined,
      });
      const operator = entry({ messageId: 'm3', seq: 3, author: 'agent', name: 'Ada' });
      const notice = entry({ messageId: 'm4', seq: 4, author: 'system', text: 'Sorry' });
      await log.append(operator);
      await log.append(reply);
      await log.append(entry());
      await log.append(notice);
      await log.append(entry({ sessionId: 'other' }));
      expect(await log.listSession('s1')).toEqual([entry(), reply, operator, notice]);
      expect(await log.listSession('unknown')).toEqual([]);
    });

    it('keeps who the visitor was said to be, verified or not, in the list and the range', async () => {
      const log = open();
      const verified = entry({ identity: { userId: 'u-42', verified: true } });
      const claimed = entry({
        messageId: 'm2',
        seq: 2,
        at: 1001,
        identity: { userId: "o'brien@example.com", verified: false },
      });
      const anonymous = entry({ messageId: 'm3', seq: 3, at: 1002 });
      await log.append(claimed);
      await log.append(verified);
      await log.append(anonymous);
      expect(await log.listSession('s1')).toEqual([verified, claimed, anonymous]);
      await log.flush();
      expect(await log.listSession('s1')).toEqual([verified, claimed, anonymous]);
      expect(await log.listRange({ siteKey: 'acme', from: 0, to: 2000, limit: 10 })).toEqual([
        verified,
        claimed,
        anonymous,
      ]);
    });

    it('ignores a second append of the same (session, seq): the first row wins', async () => {
      const log = open();
      await log.append(entry());
      await log.flush();
      await log.append(entry({ text: 'written again' }));
      await log.append(entry({ sessionId: 's2', text: 'same seq, other session' }));
      expect(await log.listSession('s1')).toEqual([entry()]);
      expect(await log.listSession('s2')).toEqual([
        entry({ sessionId: 's2', text: 'same seq, other session' }),
      ]);
    });

    it('stores any text as given: quotes, newlines, emoji, other scripts, 4,000 characters', async () => {
      const log = open();
      const texts = [
        `it's "quoted" \\ back\\slashed; DROP TABLE x; --`,
        'two\nlines\r\nand\ttabs',
        'emoji 👋🏽 and 漢字, עברית, Ελληνικά',
        `${'x'.repeat(3999)}!`,
      ];
      for (const [i, text] of texts.entries()) {
        await log.append(entry({ messageId: `m${i}`, seq: i + 1, text }));
      }
      expect((await log.listSession('s1')).map((e) => e.text)).toEqual(texts);
    });

    it('writes batches longer than one multi-row insert, across many sessions, in order', async () => {
      const log = open({ flushDelayMs: 60_000, maxBatchRows: 10_000 });
      const sessions = Array.from({ length: 7 }, (_, i) => `s${i}`);
      for (let seq = 1; seq <= 30; seq++) {
        for (const sessionId of sessions) {
          await log.append(entry({ sessionId, messageId: `${sessionId}-${seq}`, seq }));
        }
      }
      await log.flush();
      for (const sessionId of sessions) {
        const rows = await log.listSession(sessionId);
        expect(rows.map((r) => r.messageId)).toEqual(
          Array.from({ length: 30 }, (_, i) => `${sessionId}-${i + 1}`),
        );
      }
    });

    it('purges one session only', async () => {
      const log = open();
      await log.append(entry());
      await log.append(entry({ messageId: 'm2', seq: 2 }));
      await log.append(entry({ sessionId: 's2' }));
      expect(await log.purgeSession('s1')).toBe(2);
      expect(await log.listSession('s1')).toEqual([]);
      expect(await log.listSession('s2')).toHaveLength(1);
    });

    it('purges a session; the session can be logged again later', async () => {
      const log = open();
      await log.append(entry());
      expect(await log.purgeSession('s1')).toBe(1);
      expect(await log.purgeSession('s1')).toBe(0);
      await log.append(entry({ messageId: 'again' }));
      expect((await log.listSession('s1')).map((e) => e.messageId)).toEqual(['again']);
    });

    it('keeps rows across close and reopen', async () => {
      const first = open();
      await first.append(entry());
      await first.close();
      const second = open();
      await second.ping();
      expect(await second.listSession('s1')).toEqual([entry()]);
    });

    it('rejects (rather than crashing) once closed; closing twice is fine', async () => {
      const log = open();
      await log.close();
      await log.close();
      await expect(log.append(entry())).rejects.toThrow(/closed/);
      await expect(log.listSession('s1')).rejects.toThrow(/closed/);
      await expect(log.purgeSession('s1')).rejects.toThrow(/closed/);
      await expect(log.flush()).rejects.toThrow(/closed/);
      await expect(log.ping()).rejects.toThrow(/closed/);
    });

    describe('dashboard queries', () => {
      const DAY = 86_400_000;
      /** Day 20,000 since 1970 (2024-10-04), midnight UTC. */
      const T0 = 20_000 * DAY;

      /** acme: s1 (3 messages, day 0 and 1), s2 (1 on day 1), s3 (1 on day 3); beta: b1. */
      async function seed(log: MessageLog) {
        const rows = [
          entry({
            sessionId: 's1',
            seq: 1,
            messageId: 'a',
            at: T0 + 1000,
            text: 'I need a Refund',
          }),
          entry({
            sessionId: 's1',
            seq: 2,
            messageId: 'b',
            at: T0 + 2000,
            author: 'agent',
            text: 'Sure',
            url: undefined,
          }),
          entry({
            sessionId: 's1',
            seq: 3,
            messageId: 'c',
            at: T0 + DAY + 5,
            text: 'thanks',
            url: 'https://acme.test/pricing',
          }),
          entry({
            sessionId: 's2',
            seq: 1,
            messageId: 'd',
            at: T0 + DAY + 10,
            text: '100% sure_thing',
          }),
          entry({
            sessionId: 's3',
            seq: 1,
            messageId: 'e',
            at: T0 + 3 * DAY,
            text: 'hello',
            url: undefined,
          }),
          entry({
            sessionId: 'b1',
            siteKey: 'beta',
            seq: 1,
            messageId: 'f',
            at: T0 + DAY,
            text: 'refund',
          }),
        ];
        for (const row of rows) await log.append(row);
      }
      const ids = (page: { sessions: { sessionId: string }[] }) =>
        page.sessions.map((s) => s.sessionId);
      const range = { siteKey: 'acme', from: T0, to: T0 + 10 * DAY };

      it('lists the sessions of a site and range, newest activity first, with their counts', async () => {
        const log = open({ flushDelayMs: 60_000 });
        await seed(log);
        const page = await log.listSessions({ ...range, limit: 10 });
        expect(page.total).toBe(3);
        expect(page.sessions).toEqual([
          {
            sessionId: 's3',
            siteKey: 'acme',
            startedAt: T0 + 3 * DAY,
            lastAt: T0 + 3 * DAY,
            messages: 1,
          },
          {
            sessionId: 's2',
            siteKey: 'acme',
            startedAt: T0 + DAY + 10,
            lastAt: T0 + DAY + 10,
            messages: 1,
            url: 'https://acme.test/',
          },
          // The newest message naming a page gives the url; counts are the whole session's.
          {
            sessionId: 's1',
            siteKey: 'acme',
            startedAt: T0 + 1000,
            lastAt: T0 + DAY + 5,
            messages: 3,
            url: 'https://acme.test/pricing',
          },
        ]);
        // A range that sees only s1's last message still counts all of s1.
        const late = await log.listSessions({
          ...range,
          from: T0 + DAY,
          to: T0 + DAY + 6,
          limit: 10,
        });
        expect(late.sessions).toMatchObject([{ sessionId: 's1', messages: 3 }]);
        expect(await log.listSessions({ ...range, from: T0 + 9 * DAY, limit: 10 })).toEqual({
          sessions: [],
          total: 0,
        });
      });

      it('pages the list with limit and offset; total counts every page', async () => {
        const log = open();
        await seed(log);
        const first = await log.listSessions({ ...range, limit: 2 });
        const second = await log.listSessions({ ...range, limit: 2, offset: 2 });
        expect([ids(first), ids(second)]).toEqual([['s3', 's2'], ['s1']]);
        expect([first.total, second.total]).toEqual([3, 3]);
        expect(await log.listSessions({ ...range, limit: 2, offset: 9 })).toEqual({
          sessions: [],
          total: 3,
        });
      });

      it('searches message text in the range, ignoring ASCII case, and finds a session by its id', async () => {
        const log = open();
        await seed(log);
        const found = (search: string, over = {}) =>
          log.listSessions({ ...range, ...over, search, limit: 10 }).then(ids);
        expect(await found('REFUND')).toEqual(['s1']);
        expect(await found('refund', { from: T0 + DAY })).toEqual([]);
        // LIKE's wildcards are taken literally.
        expect(await found('100%')).toEqual(['s2']);
        expect(await found('%')).toEqual(['s2']);
        expect(await found('e_t')).toEqual(['s2']);
        expect(await found('s_re')).toEqual([]);
        expect(await found('s3')).toEqual(['s3']);
        expect(await found("'; DROP TABLE x; --")).toEqual([]);
        expect((await log.listSessions({ ...range, search: 'sure', limit: 1 })).total).toBe(2);
      });

      it('counts conversations and messages per day, in UTC or a given offset', async () => {
        const log = open();
        await seed(log);
        await log.append(entry({ sessionId: 's2', seq: 2, messageId: 'g', at: T0 + 2 * DAY - 1 }));
        expect(await log.dailyCounts(range)).toEqual([
          { day: 20_000, conversations: 1, messages: 2 },
          { day: 20_001, conversations: 2, messages: 3 },
          { day: 20_003, conversations: 1, messages: 1 },
        ]);
        // Two hours east of UTC, s2's message at 23:59:59.999 UTC falls on the next day.
        expect(await log.dailyCounts({ ...range, utcOffsetMinutes: 120 })).toEqual([
          { day: 20_000, conversations: 1, messages: 2 },
          { day: 20_001, conversations: 2, messages: 2 },
          { day: 20_002, conversations: 1, messages: 1 },
          { day: 20_003, conversations: 1, messages: 1 },
        ]);
        expect(await log.dailyCounts({ ...range, siteKey: 'nobody' })).toEqual([]);
      });

      it('reads a range page by page in (at, session, seq) order, every field kept', async () => {
        const log = open();
        await seed(log);
        // Same instant in two sessions: ordered by session id (byte order), then seq.
        await log.append(
          entry({ sessionId: 'S0', seq: 1, messageId: 'h', at: T0 + DAY + 10, name: 'Ada' }),
        );
        await log.append(entry({ sessionId: 's2', seq: 2, messageId: 'i', at: T0 + DAY + 10 }));
        const pages: string[][] = [];
        let after: RangeCursor | undefined;
        for (;;) {
          const page = await log.listRange({ ...range, limit: 2, ...(after && { after }) });
          if (page.length === 0) break;
          pages.push(page.map((e) => e.messageId));
          const last = page.at(-1)!;
          after = { at: last.at, sessionId: last.sessionId, seq: last.seq };
        }
        expect(pages).toEqual([['a', 'b'], ['c', 'h'], ['d', 'i'], ['e']]);
        const [row] = await log.listRange({
          ...range,
          from: T0 + DAY + 10,
          to: T0 + DAY + 11,
          limit: 1,
        });
        expect(row).toEqual(
          entry({ sessionId: 'S0', seq: 1, messageId: 'h', at: T0 + DAY + 10, name: 'Ada' }),
        );
      });

      it("deletes a site's rows older than a time, and nothing else; the site's sessions can go on", async () => {
        const log = open({ flushDelayMs: 60_000 });
        await seed(log);
        expect(await log.deleteBefore('acme', T0 + DAY + 10)).toBe(3);
        expect(await log.listSession('s1')).toEqual([]);
        expect((await log.listSession('s2')).map((e) => e.messageId)).toEqual(['d']);
        expect((await log.listSession('b1')).map((e) => e.messageId)).toEqual(['f']);
        expect(ids(await log.listSessions({ ...range, limit: 10 }))).toEqual(['s3', 's2']);
        expect(await log.deleteBefore('acme', T0 + DAY + 10)).toBe(0);
        // A session whose rows all went is logged again as new.
        await log.append(entry({ sessionId: 's1', seq: 4, messageId: 'later', at: T0 + 4 * DAY }));
        expect((await log.listSession('s1')).map((e) => e.messageId)).toEqual(['later']);
        expect(await log.purgeSession('s1')).toBe(1);
      });

      it('lists the sites that have entries, in byte order', async () => {
        const log = open();
        expect(await log.sites()).toEqual([]);
        await seed(log);
        await log.append(entry({ sessionId: 'x', siteKey: 'a-z', messageId: 'x' }));
        await log.append(entry({ sessionId: 'y', siteKey: 'a_z', messageId: 'y' }));
        expect(await log.sites()).toEqual(['a-z', 'a_z', 'acme', 'beta']);
        await log.purgeSession('b1');
        expect(await log.sites()).toEqual(['a-z', 'a_z', 'acme']);
      });

      it('refuses the dashboard queries once closed', async () => {
        const log = open();
        await log.close();
        await expect(log.listSessions({ ...range, limit: 1 })).rejects.toThrow(/closed/);
        await expect(log.dailyCounts(range)).rejects.toThrow(/closed/);
        await expect(log.listRange({ ...range, limit: 1 })).rejects.toThrow(/closed/);
        await expect(log.deleteBefore('acme', 0)).rejects.toThrow(/closed/);
        await expect(log.sites()).rejects.toThrow(/closed/);
      });
    });

    describe('batches', () => {
      it('queues appends and writes them together once the delay is up', async () => {
        const timers = manualSchedule();
        const log = open({ flushDelayMs: 5, schedule: timers.schedule });
        await log.ping();
        await log.append(entry({ messageId: 'm1' }));
        await log.append(entry({ messageId: 'm2', seq: 2 }));
        expect(timers.delays()).toEqual([5]);
        expect(await committed()).toEqual([]);
        timers.runAll();
        await eventually(committed, ['m1', 'm2']);
      });

      it('writes a durable append at once on a quiet log, and at most one batch per delay', async () => {
        let clock = 1000;
        const timers = manualSchedule();
        const log = open({ flushDelayMs: 20, schedule: timers.schedule, now: () => clock });
        await log.ping();
        const first = log.append(entry({ messageId: 'm1' }), { durable: true });
        expect(timers.delays()).toEqual([0]);
        timers.runAll();
        await first;
        expect(await committed()).toEqual(['m1']);
        // 5 ms after a batch began: the next waits out the rest of the delay.
        clock += 5;
        const second = log.append(entry({ messageId: 'm2', seq: 2 }), { durable: true });
        expect(timers.delays()).toEqual([15]);
        timers.runAll();
        await second;
        // A row nobody waits for waits the whole delay; a durable one after it does not.
        clock += 50;
        await log.append(entry({ messageId: 'm3', seq: 3 }));
        expect(timers.delays()).toEqual([20]);
        const third = log.append(entry({ messageId: 'm4', seq: 4 }), { durable: true });
        expect(timers.delays()).toEqual([0]);
        timers.runAll();
        await third;
        expect(await committed()).toEqual(['m1', 'm2', 'm3', 'm4']);
      });

      it('writes at once when maxBatchRows are queued', async () => {
        const timers = manualSchedule();
        const log = open({ maxBatchRows: 3, schedule: timers.schedule });
        await log.ping();
        await log.append(entry({ messageId: 'm1' }));
        await log.append(entry({ messageId: 'm2', seq: 2 }));
        expect(await committed()).toEqual([]);
        await log.append(entry({ messageId: 'm3', seq: 3 }));
        await eventually(committed, ['m1', 'm2', 'm3']);
      });

      it('flush() writes what is queued', async () => {
        const timers = manualSchedule();
        const log = open({ schedule: timers.schedule });
        await log.append(entry());
        await log.flush();
        expect(await committed()).toEqual(['m1']);
      });

      it('keeps the dedupe inside a batch and across batches', async () => {
        const log = open({ flushDelayMs: 60_000 });
        await log.append(entry());
        await log.append(entry({ text: 'written twice in the same batch' }));
        await log.flush();
        await log.append(entry({ text: 'written again later' }));
        expect(await log.listSession('s1')).toEqual([entry()]);
      });

      it('lists and purges queued rows too; a purged row never comes back', async () => {
        const log = open({ flushDelayMs: 60_000 });
        await log.append(entry({ messageId: 'm1' }));
        expect(await log.listSession('s1')).toHaveLength(1);
        await log.append(entry({ messageId: 'm2', seq: 2 }));
        await log.append(entry({ sessionId: 's2' }));
        expect(await log.purgeSession('s1')).toBe(2);
        expect(await log.listSession('s1')).toEqual([]);
        await log.close();
        expect(await committed()).toEqual(['m1']);
        const reopened = open();
        expect((await reopened.listSession('s2')).map((e) => e.sessionId)).toEqual(['s2']);
        expect(await reopened.listSession('s1')).toEqual([]);
      });

      it('writes queued rows on close', async () => {
        const log = open({ flushDelayMs: 60_000 });
        await log.append(entry());
        await log.close();
        expect(await committed()).toEqual(['m1']);
        expect(await open().listSession('s1')).toEqual([entry()]);
      });

      it('a read sees every row appended before it, also while a batch is being written', async () => {
        const log = open({ maxBatchRows: 4 });
        const appended: string[] = [];
        const reads: Promise<void>[] = [];
        for (let seq = 1; seq <= 23; seq++) {
          void log.append(entry({ messageId: `m${seq}`, seq }));
          appended.push(`m${seq}`);
          if (seq % 5 === 0) {
            const before = [...appended];
            reads.push(
              log.listSession('s1').then((rows) => {
                expect(rows.map((r) => r.messageId).slice(0, before.length)).toEqual(before);
              }),
            );
          }
        }
        await Promise.all(reads);
        expect((await log.listSession('s1')).map((r) => r.messageId)).toEqual(appended);
      });

      it('keeps a refused batch queued, in order, and retries it; appends never reject meanwhile', async () => {
        const { logger, errors } = capturingLogger();
        const log = open({ flushDelayMs: 1, retryDelayMs: 20, logger });
        await log.ping();
        const allowWrites = await fixture.refuseWrites();
        try {
          await log.append(entry({ messageId: 'm1' }));
          await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
          expect(errors[0]).toMatch(/writing 1 row\(s\) failed; retrying in 20 ms/);
          await log.append(entry({ messageId: 'm2', seq: 2 }));
          await expect(log.listSession('s1')).rejects.toThrow();
        } finally {
          await allowWrites();
        }
        await eventually(committed, ['m1', 'm2']);
      });

      it('a durable append resolves once its batch is written, rows queued before it included', async () => {
        const timers = manualSchedule();
        const log = open({ flushDelayMs: 5, schedule: timers.schedule });
        await log.ping();
        await log.append(entry({ messageId: 'm1' }));
        let stored = false;
        const durable = log
          .append(entry({ messageId: 'm2', seq: 2 }), { durable: true })
          .then(() => {
            stored = true;
          });
        const together = log.append(entry({ messageId: 'm3', seq: 3 }), { durable: true });
        // A read from the database gives a write that went out at once the time to land.
        expect(await committed()).toEqual([]);
        expect(stored).toBe(false);
        timers.runAll();
        await Promise.all([durable, together]);
        expect(await committed()).toEqual(['m1', 'm2', 'm3']);
      });

      it('a durable append does not wait while the database refuses writes; the row is retried', async () => {
        const { logger } = capturingLogger();
        const log = open({ flushDelayMs: 1, retryDelayMs: 20, logger });
        await log.ping();
        const allowWrites = await fixture.refuseWrites();
        try {
          await log.append(entry({ messageId: 'm1' }), { durable: true });
          await log.append(entry({ messageId: 'm2', seq: 2 }), { durable: true });
          expect(await committed()).toEqual([]);
        } finally {
          await allowWrites();
        }
        await eventually(committed, ['m1', 'm2']);
      });

      it('rejects appends past maxQueuedRows while the database refuses writes', async () => {
        const { logger } = capturingLogger();
        const log = open({
          flushDelayMs: 60_000,
          maxBatchRows: 2,
          maxQueuedRows: 2,
          retryDelayMs: 60_000,
          logger,
        });
        await log.ping();
        const allowWrites = await fixture.refuseWrites();
        try {
          await log.append(entry({ messageId: 'm1' }));
          await log.append(entry({ messageId: 'm2', seq: 2 }));
          await expect(log.append(entry({ messageId: 'm3', seq: 3 }))).rejects.toThrow(/wait/);
        } finally {
          await allowWrites();
        }
        expect((await log.listSession('s1')).map((e) => e.messageId)).toEqual(['m1', 'm2']);
      });
    });
  });
}
