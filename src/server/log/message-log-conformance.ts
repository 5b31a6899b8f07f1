import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { capturingLogger } from '../testing/capturing-logger.js';
import type { MessageLog, MessageLogBatchOptions, MessageLogEntry } from './message-log.js';

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
