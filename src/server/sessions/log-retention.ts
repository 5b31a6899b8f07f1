import type { MessageLog } from '../log/message-log.js';
import type { Logger } from '../logger.js';
import type { SiteSettingsLookup } from '../site-settings.js';

const DAY = 86_400_000;

export interface LogRetentionOptions {
  log: MessageLog;
  /** Sites that may have settings of their own (`LiveSiteSettings.sites`). */
  sites: () => readonly string[];
  /** Their settings in effect: `retentionDays` is read from them. */
  settings: SiteSettingsLookup;
  logger: Logger;
}

/**
 * One round of the log's retention (daily, by the server's sweeper): each site with
 * `retentionDays` loses its log rows older than that, counted back from `now`. A site whose
 * delete fails is reported and the others still run. Resolves with the rows deleted.
 *
 * @example await sweepLogRetention({ log, sites, settings, logger }, Date.now());
 */
export async function sweepLogRetention(
  options: LogRetentionOptions,
  now: number,
): Promise<number> {
  const { log, sites, settings, logger } = options;
  let deleted = 0;
  for (const siteKey of sites()) {
    const days = settings(siteKey).retentionDays;
    if (days === undefined) continue;
    try {
      const removed = await log.deleteBefore(siteKey, now - days * DAY);
      deleted += removed;
      if (removed > 0) {
        logger.info(`deleted ${removed} log row(s) of site ${siteKey} older than ${days} day(s)`);
      }
    } catch (error) {
      logger.error(`log retention failed for site ${siteKey}`, error);
    }
  }
  return deleted;
}
