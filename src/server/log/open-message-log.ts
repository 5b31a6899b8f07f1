import type { MessageLog, MessageLogBatchOptions } from './message-log.js';
import { openPostgresMessageLog } from './postgres-log.js';
import { openSqliteMessageLog } from './sqlite-log.js';

/**
 * The message log the configuration asks for: PostgreSQL when `databaseUrl` (`DATABASE_URL`) is
 * set, shared by every node; else the SQLite file `dbPath` (`LEFLUX_DB`), for one machine.
 *
 * @example const log = openMessageLog(config, { logger });
 */
export function openMessageLog(
  where: { databaseUrl?: string; dbPath: string },
  options: MessageLogBatchOptions = {},
): MessageLog {
  return where.databaseUrl !== undefined
    ? openPostgresMessageLog(where.databaseUrl, options)
    : openSqliteMessageLog(where.dbPath, options);
}
