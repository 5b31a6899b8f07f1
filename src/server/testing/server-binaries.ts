import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The server programs the tests can start for themselves. */
export type RealServer = 'redis' | 'postgres';

/** Thrown when a test needs a server program this machine does not have. */
export class MissingServerError extends Error {
  readonly code = 'server_binary_missing';
  override readonly name = 'MissingServerError';

  constructor(
    readonly server: RealServer,
    message: string,
  ) {
    super(message);
  }
}

const onPath = (program: string): string | undefined => {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, program))) return join(dir, program);
  }
  return undefined;
};

/** `redis-server` on the PATH. */
export function findRedisServer(): string | undefined {
  return onPath('redis-server');
}

/**
 * The directory holding PostgreSQL's `initdb`, `pg_ctl` and `postgres`: Debian keeps them out
 * of the PATH in `/usr/lib/postgresql/<major>/bin` (the newest major wins); other systems
 * (Homebrew, the official images) put them on the PATH.
 */
export function findPostgresBin(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const bin = join(debian, major, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  const initdb = onPath('initdb');
  return initdb && existsSync(join(initdb, '..', 'pg_ctl')) ? join(initdb, '..') : undefined;
}

const INSTALL_HINT: Record<RealServer, string> = {
  redis:
    'redis-server is not installed (looked on the PATH): `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis`',
  postgres:
    'PostgreSQL is not installed (looked in /usr/lib/postgresql/*/bin and on the PATH): `apt-get install postgresql` (Debian/Ubuntu) or `brew install postgresql`',
};

/** The install hint for each of `servers` this machine lacks; empty when all are there. */
export function missingServers(servers: readonly RealServer[]): string[] {
  const found: Record<RealServer, () => string | undefined> = {
    redis: findRedisServer,
    postgres: findPostgresBin,
  };
  return servers.filter((server) => !found[server]()).map((server) => INSTALL_HINT[server]);
}

/** The `MissingServerError` for a server that is not installed. */
export function missingServerError(server: RealServer): MissingServerError {
  return new MissingServerError(server, INSTALL_HINT[server]);
}

/** True under CI (`CI` set to anything but `false`/`0`), where a missing server fails the tests. */
export function runningInCi(): boolean {
  const ci = process.env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * Whether tests needing `servers` should be skipped: only outside CI, and only when one is
 * missing (the reason is printed). Under CI they run and fail with the install hint, so a CI
 * machine without Redis or PostgreSQL can never pass by skipping them.
 *
 * @example describe.skipIf(skipWithoutServers(['postgres'], 'postgres message log'))(...)
 */
export function skipWithoutServers(servers: readonly RealServer[], what: string): boolean {
  const missing = missingServers(servers);
  if (missing.length === 0 || runningInCi()) return false;
  console.warn(`skipping ${what}: ${missing.join('; ')} (under CI=true these tests fail instead)`);
  return true;
}
