import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { freeLoopbackPort } from '../../src/server/testing/loopback-port.js';
import { expect, test } from '../fixtures.js';
import {
  clientMessages,
  clientReady,
  delivered,
  duplicates,
  form,
  numbered,
  pageErrors,
  random,
  report,
  sendAll,
  shownVisitorTexts,
} from './chaos.js';
import { startServerProcess } from './server-process.js';

const MESSAGES = form(80, 300);
const KILLS = form(1, 3);

/** The visitor messages in the SQLite log file, as another process reads it. */
function loggedVisitorMessages(file: string): Array<{ id: string; text: string }> {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT message_id AS id, text FROM messages WHERE author = 'visitor' ORDER BY sid, seq`,
      )
      .all() as Array<{ id: string; text: string }>;
  } finally {
    db.close();
  }
}

test(`scenario 4 (memory store): the server SIGKILLed ${KILLS} time(s) mid-stream and restarted: every acked message is in the log, nothing unacked is lost from the screen`, async ({
  page,
}) => {
  test.setTimeout(form(90_000, 400_000));
  const dir = mkdtempSync(join(tmpdir(), 'leflux-chaos-'));
  const logFile = join(dir, 'log.sqlite');
  const server = await startServerProcess(await freeLoopbackPort(), {
    LEFLUX_DB: logFile,
    LEFLUX_STORE: 'memory',
    // One visitor sending as fast as a script can: no limits.
    LEFLUX_LIMIT_MESSAGES: 'off',
    LEFLUX_LIMIT_SESSION_STARTS: 'off',
    LEFLUX_LIMIT_RESTORES: 'off',
    LEFLUX_LIMIT_MISSES: 'off',
  });
  try {
    const errors = pageErrors(page);
    const rng = random();
    const texts = numbered('kill', MESSAGES);
    await page.goto(`${server.url}/`);
    await clientReady(page);
    // Fast, so that an ack has always just left when the server dies.
    const sending = sendAll(page, texts, 5);
    /** Ids the widget had seen acked when each server died: every one must be in the log. */
    const acked = new Set<string>();
    let ackedBeforeKills = 0;
    const ackedNow = async () =>
      (await clientMessages(page)).filter((m) => m.author === 'visitor' && m.status === 'sent')
        .length;
    for (let k = 0; k < KILLS; k++) {
      // Mid-stream: this server has acked some messages, and the visitor is still writing.
      const before = await ackedNow();
      await expect.poll(ackedNow, { timeout: 30_000 }).toBeGreaterThan(before);
      await new Promise((done) => setTimeout(done, rng.between(50, 400)));
      await server.kill();
      for (const m of await clientMessages(page))
        if (m.author === 'visitor' && m.status === 'sent') acked.add(m.id);
      ackedBeforeKills = acked.size;
      // Down for a moment while the visitor keeps writing.
      await new Promise((done) => setTimeout(done, rng.between(300, 1500)));
      await server.restart();
    }
    await sending;
    await delivered(page, 90_000);
    const finalMessages = (await clientMessages(page)).filter((m) => m.author === 'visitor');
    for (const m of finalMessages) acked.add(m.id);
    // What the last server holds of the conversation it knows (the others died with theirs).
    const stored = await page.evaluate(async () => {
      const record = JSON.parse(localStorage.getItem('leflux:sessionId') ?? 'null')?.data;
      if (!record) return 0;
      const response = await fetch(`/api/session/${record.id}`, {
        method: 'POST',
        body: JSON.stringify({ token: record.token }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(`restore: ${response.status} ${JSON.stringify(body)}`);
      return (body as { history: Array<{ author: string }> }).history.filter(
        (m) => m.author === 'visitor',
      ).length;
    });
    const logged = loggedVisitorMessages(logFile);
    const loggedIds = new Set(logged.map((m) => m.id));
    const shown = await shownVisitorTexts(page);
    const missingFromLog = [...acked].filter((id) => !loggedIds.has(id));
    const counts = report('4 server killed (memory store)', {
      sent: texts.length,
      // The live store forgot everything at each kill: what the last server holds.
      stored,
      logged: loggedIds.size,
      onScreen: shown.length,
      duplicates: duplicates(shown),
      pageErrors: errors.length,
      kills: KILLS,
      'acked before the last kill': ackedBeforeKills,
      'acked but not in the log': missingFromLog.length,
      // A message the killed server stored whose ack died with it is sent again to the new
      // server: two rows (two sessions) with the memory store.
      'logged in two sessions': logged.length - loggedIds.size,
      seed: rng.seed,
    });
    expect(missingFromLog).toEqual([]);
    expect([...shown].sort()).toEqual([...texts].sort());
    expect(counts.duplicates).toBe(0);
    expect(errors).toEqual([]);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
