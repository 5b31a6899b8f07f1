// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import { entry } from '../log/message-log-conformance.js';
import { openSqliteMessageLog } from '../log/sqlite-log.js';
import { capturingLogger } from '../testing/capturing-logger.js';
import { sweepLogRetention } from './log-retention.js';

const DAY = 86_400_000;
const NOW = 20_000 * DAY;
const log = openSqliteMessageLog(':memory:');
afterEach(async () => {
  for (const site of await log.sites()) await log.deleteBefore(site, Number.MAX_SAFE_INTEGER);
});

describe('log retention', () => {
  it('deletes the rows older than each site’s retentionDays, and only those', async () => {
    const rows = [
      entry({ sessionId: 'old', seq: 1, at: NOW - 31 * DAY }),
      entry({ sessionId: 'old', seq: 2, messageId: 'm2', at: NOW - 29 * DAY }),
      entry({ sessionId: 'keep', siteKey: 'beta', at: NOW - 400 * DAY }),
      entry({ sessionId: 'gone', siteKey: 'short', at: NOW - DAY - 1 }),
    ];
    for (const row of rows) await log.append(row);
    const retention = { acme: 30, short: 1 } as Record<string, number>;
    const { logger, infos } = capturingLogger();
    const deleted = await sweepLogRetention(
      {
        log,
        sites: () => ['acme', 'beta', 'short'],
        settings: (site) => ({ retentionDays: retention[site] }),
        logger,
      },
      NOW,
    );
    expect(deleted).toBe(2);
    expect((await log.listSession('old')).map((e) => e.seq)).toEqual([2]);
    expect(await log.listSession('keep')).toHaveLength(1);
    expect(await log.listSession('gone')).toEqual([]);
    expect(infos.join('\n')).toMatch(/deleted 1 log row\(s\) of site acme older than 30 day/);
  });

  it('reports a site whose delete fails and goes on with the others', async () => {
    await log.append(entry({ sessionId: 'x', at: 0 }));
    const { logger, errors } = capturingLogger();
    const failing = {
      ...log,
      deleteBefore: (site: string, before: number) =>
        site === 'broken' ? Promise.reject(new Error('disk full')) : log.deleteBefore(site, before),
    };
    const deleted = await sweepLogRetention(
      {
        log: failing,
        sites: () => ['broken', 'acme'],
        settings: () => ({ retentionDays: 1 }),
        logger,
      },
      NOW,
    );
    expect(deleted).toBe(1);
    expect(errors.join('\n')).toMatch(/log retention failed for site broken/);
  });
});
