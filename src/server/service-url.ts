/**
 * Connection URLs of the services the server runs on (`DATABASE_URL`, `REDIS_URL`): read
 * strictly, and described for messages and logs without their password.
 */

interface ServiceKind {
  protocols: readonly string[];
  /** The path the service accepts (a database name, a database number). */
  path: RegExp;
  /** How an unreadable one is named in a message. */
  invalid: string;
}

const POSTGRES: ServiceKind = {
  protocols: ['postgres:', 'postgresql:'],
  path: /^.*$/,
  invalid: 'an invalid PostgreSQL URL',
};

const REDIS: ServiceKind = {
  protocols: ['redis:', 'rediss:'],
  path: /^\/?\d*$/,
  invalid: 'an invalid Redis URL',
};

function parseServiceUrl(raw: string, kind: ServiceKind): URL | undefined {
  // A space is a paste mistake, not a name: URL would quietly encode it.
  if (/\s/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (!kind.protocols.includes(url.protocol)) return undefined;
  if (url.hostname === '') return undefined;
  if (url.port !== '' && Number(url.port) === 0) return undefined;
  if (!kind.path.test(url.pathname)) return undefined;
  return url;
}

/** Scheme, user, host, port and path: never the password or the query (which may hold one). */
function describeServiceUrl(raw: string, kind: ServiceKind): string {
  const url = parseServiceUrl(raw, kind);
  if (!url) return kind.invalid;
  const user = url.username ? `${url.username}@` : '';
  const port = url.port ? `:${url.port}` : '';
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol}//${user}${url.hostname}${port}${path}`;
}

/**
 * Reads a PostgreSQL connection URL (`DATABASE_URL`): `postgres://` or `postgresql://`, a host,
 * and optional user, password, port, database and query parameters (`sslmode`, `options`...),
 * which `pg` reads itself. Returns undefined when it is not one.
 *
 * @example parseDatabaseUrl('postgres://leflux:secret@db.internal:5432/leflux')?.hostname // 'db.internal'
 */
export const parseDatabaseUrl = (raw: string): URL | undefined => parseServiceUrl(raw, POSTGRES);

/**
 * The database a URL points at, for messages and logs.
 *
 * @example describeDatabaseUrl('postgres://leflux:secret@db:5432/chat?sslmode=require') // 'postgres://leflux@db:5432/chat'
 */
export const describeDatabaseUrl = (raw: string): string => describeServiceUrl(raw, POSTGRES);

/**
 * Reads a Redis connection URL (`REDIS_URL`): `redis://` or `rediss://` (TLS), a host, and
 * optional user, password, port and database number (`/2`), which ioredis reads itself. Returns
 * undefined when it is not one.
 *
 * @example parseRedisUrl('redis://:secret@cache.internal:6379/0')?.hostname // 'cache.internal'
 */
export const parseRedisUrl = (raw: string): URL | undefined => parseServiceUrl(raw, REDIS);

/**
 * The Redis a URL points at, for messages and logs.
 *
 * @example describeRedisUrl('redis://leflux:secret@cache:6379/2') // 'redis://leflux@cache:6379/2'
 */
export const describeRedisUrl = (raw: string): string => describeServiceUrl(raw, REDIS);

/**
 * `raw` with what may be a password replaced by `***`: between the first `:` after the scheme
 * and the last `@`. For messages about a value that is not even a valid URL (a missing `//`, a
 * stray space), which may still carry one.
 *
 * @example maskPassword('postgres//leflux:hunter2@db/leflux') // 'postgres//leflux:***@db/leflux'
 */
export function maskPassword(raw: string): string {
  const at = raw.lastIndexOf('@');
  if (at < 0) return raw;
  const scheme = raw.indexOf('://');
  const from = scheme >= 0 && scheme < at ? scheme + 3 : 0;
  const colon = raw.indexOf(':', from);
  if (colon < 0 || colon > at) return raw;
  return `${raw.slice(0, colon + 1)}***${raw.slice(at)}`;
}
