import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageLog, MessageLogEntry } from './message-log.js';

/** A log entry for the suite; `over` changes any field. */
export const logEntry = (over: Partial<MessageLogEntry> = {}): MessageLogEntry => ({
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

/**
 * The behaviour every `MessageLog` must have, as one Vitest suite. A log implementation's test
 * file calls it with a factory; each test gets an empty log, closed after it.
 *
 * @example
 * describeMessageLog('sqlite', () => openSqliteMessageLog(':memory:'));
 */
export function describeMessageLog(
  name: string,
  make: () => MessageLog | Promise<MessageLog>,
): void {
  let log: MessageLog;
  let closed = false;
  beforeEach(async () => {
    log = await make();
    closed = false;
  });
  afterEach(async () => {
    if (!closed) await log.close();
  });

  describe(`${name} message log`, () => {
    it('appends and lists a session ascending by seq, every field kept', async () => {
      const agent = logEntry({ messageId: 'm2', seq: 2, author: 'agent', url: undefined });
      const operator = logEntry({ messageId: 'm3', seq: 3, author: 'agent', name: 'Ada' });
      const notice = logEntry({ messageId: 'm4', seq: 4, author: 'system', text: 'Sorry' });
      await log.append(operator);
      await log.append(agent);
      await log.append(logEntry());
      await log.append(notice);
      await log.append(logEntry({ sessionId: 'other' }));
      expect(await log.listSession('s1')).toEqual([logEntry(), agent, operator, notice]);
    });

    it('ignores a second append of the same (session, seq): the first row wins', async () => {
      await log.append(logEntry());
      await log.flush();
      await log.append(logEntry({ text: 'written again' }));
      await log.append(logEntry({ sessionId: 's2', text: 'same seq, other session' }));
      expect(await log.listSession('s1')).toEqual([logEntry()]);
      expect(await log.listSession('s2')).toEqual([
        logEntry({ sessionId: 's2', text: 'same seq, other session' }),
      ]);
    });

    it('keeps many sessions apart, each in order', async () => {
      const sessions = Array.from({ length: 7 }, (_, i) => `s${i}`);
      for (let seq = 1; seq <= 30; seq++) {
        for (const sessionId of sessions) {
          await log.append(logEntry({ sessionId, messageId: `${sessionId}-${seq}`, seq }));
        }
      }
      for (const sessionId of sessions) {
        const rows = await log.listSession(sessionId);
        expect(rows.map((r) => r.messageId)).toEqual(
          Array.from({ length: 30 }, (_, i) => `${sessionId}-${i + 1}`),
        );
      }
    });

    it('purges one session only, counting its rows; the session can be logged again', async () => {
      await log.append(logEntry());
      await log.append(logEntry({ messageId: 'm2', seq: 2 }));
      await log.append(logEntry({ sessionId: 's2' }));
      expect(await log.purgeSession('s1')).toBe(2);
      expect(await log.purgeSession('s1')).toBe(0);
      expect(await log.listSession('s1')).toEqual([]);
      expect(await log.listSession('s2')).toHaveLength(1);
      await log.append(logEntry({ messageId: 'again' }));
      expect((await log.listSession('s1')).map((e) => e.messageId)).toEqual(['again']);
    });

    it('reads and purges see every append at once, flushed or not', async () => {
      await log.append(logEntry());
      expect(await log.listSession('s1')).toHaveLength(1);
      await log.append(logEntry({ messageId: 'm2', seq: 2 }));
      expect(await log.purgeSession('s1')).toBe(2);
      await log.flush();
      expect(await log.listSession('s1')).toEqual([]);
    });

    it('answers ping, and rejects (rather than crashing) once closed', async () => {
      await log.ping();
      await log.close();
      closed = true;
      await expect(log.append(logEntry())).rejects.toThrow();
      await expect(log.ping()).rejects.toThrow();
    });
  });
}
