import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http-error.js';

/**
 * CORS for `/api/*`. Sessions are protected by tokens (not cookies), so by default the
 * request's origin is reflected rather than listed. When the session's site lists its
 * origins (`allowedOrigins`), only those are answered: another `Origin` gets 403
 * `origin_not_allowed` without CORS headers, so a browser neither sends nor reads the call.
 * A request without `Origin` (same-origin, or not from a browser) passes on its token.
 *
 * @example
 * allowApiOrigin(req, res, settings.allowedOrigins); // may throw HttpError(403)
 */
export function allowApiOrigin(
  req: IncomingMessage,
  res: ServerResponse,
  allowedOrigins?: readonly string[],
): void {
  res.setHeader('vary', 'Origin');
  const origin = req.headers.origin;
  if (!origin) return;
  if (allowedOrigins !== undefined && !allowedOrigins.includes(origin)) {
    throw new HttpError(
      403,
      'origin_not_allowed',
      `pages on ${origin} may not use this site's sessions`,
    );
  }
  res.setHeader('access-control-allow-origin', origin);
}

/** Answers a CORS preflight for `/api/*` with 204 (403 for an origin the site does not list). */
export function answerApiPreflight(
  req: IncomingMessage,
  res: ServerResponse,
  allowedOrigins?: readonly string[],
): void {
  allowApiOrigin(req, res, allowedOrigins);
  res.writeHead(204, {
    'access-control-allow-methods': 'POST, DELETE',
    'access-control-allow-headers': 'content-type, authorization, x-leflux-admin-key',
    'access-control-max-age': '600',
  });
  res.end();
}
