import type { IncomingHttpHeaders } from 'node:http';

/**
 * The address limits count against: the TCP peer, or, behind `trustedProxies` proxies of the
 * operator's own (`LEFLUX_TRUSTED_PROXIES`), the address the outermost of them saw, read from
 * the right of `X-Forwarded-For`. Entries further left are the client's to write, so they are
 * never believed (Express's `trust proxy = n`). Unknown peers count as one address.
 *
 * @example clientAddress(req.headers, req.socket.remoteAddress, 1) // behind one load balancer
 */
export function clientAddress(
  headers: IncomingHttpHeaders,
  peer: string | undefined,
  trustedProxies: number,
): string {
  const direct = normalise(peer ?? 'unknown');
  if (trustedProxies <= 0) return direct;
  const raw = headers['x-forwarded-for'];
  const forwarded = (Array.isArray(raw) ? raw.join(',') : (raw ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  // The peer is the last proxy; each proxy appended the address it saw.
  const seen = forwarded[forwarded.length - trustedProxies];
  return seen === undefined ? normalise(forwarded[0] ?? direct) : normalise(seen);
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
const normalise = (address: string) =>
  address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
