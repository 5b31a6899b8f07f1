/**
 * Reads a Redis connection URL (`REDIS_URL`): `redis://` or `rediss://` (TLS), a host, and
 * optional user, password, port and database number (`/2`), which ioredis reads itself. Returns
 * undefined when it is not one.
 *
 * @example parseRedisUrl('redis://:secret@cache.internal:6379/0')?.hostname // 'cache.internal'
 */
export function parseRedisUrl(raw: string): URL | undefined {
  if (/\s/.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return undefined;
  if (url.hostname === '') return undefined;
  if (url.port !== '' && Number(url.port) === 0) return undefined;
  if (!/^\/?\d*$/.test(url.pathname)) return undefined;
  return url;
}

/**
 * The Redis a URL points at, for messages and logs: scheme, user, host, port and database, never
 * the password.
 *
 * @example describeRedisUrl('redis://leflux:secret@cache:6379/2') // 'redis://leflux@cache:6379/2'
 */
export function describeRedisUrl(raw: string): string {
  const url = parseRedisUrl(raw);
  if (!url) return 'an invalid Redis URL';
  const user = url.username ? `${url.username}@` : '';
  const port = url.port ? `:${url.port}` : '';
  const db = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol}//${user}${url.hostname}${port}${db}`;
}
