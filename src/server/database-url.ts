/**
 * Reads a PostgreSQL connection URL (`DATABASE_URL`): `postgres://` or `postgresql://`, a host,
 * and optional user, password, port, database and query parameters (`sslmode`, `options`...),
 * which `pg` reads itself. Returns undefined when it is not one.
 *
 * @example parseDatabaseUrl('postgres://leflux:secret@db.internal:5432/leflux')?.hostname // 'db.internal'
 */
export function parseDatabaseUrl(raw: string): URL | undefined {
  // A space is a paste mistake, not a database name: URL would quietly encode it.
  if (/\s/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return undefined;
  if (url.hostname === '') return undefined;
  if (url.port !== '' && Number(url.port) === 0) return undefined;
  return url;
}

/**
 * The database a URL points at, for messages and logs: scheme, user, host, port and database,
 * never the password or the query (which may hold one).
 *
 * @example describeDatabaseUrl('postgres://leflux:secret@db:5432/chat?sslmode=require') // 'postgres://leflux@db:5432/chat'
 */
export function describeDatabaseUrl(raw: string): string {
  const url = parseDatabaseUrl(raw);
  if (!url) return 'an invalid PostgreSQL URL';
  const user = url.username ? `${url.username}@` : '';
  const port = url.port ? `:${url.port}` : '';
  return `${url.protocol}//${user}${url.hostname}${port}${url.pathname === '/' ? '' : url.pathname}`;
}

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
