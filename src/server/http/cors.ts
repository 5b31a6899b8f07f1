import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for `/api/*`. Any site may embed the widget, and sessions are protected by tokens
 * (not cookies), so the request's origin is reflected rather than listed.
 */
export function allowApiOrigin(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('vary', 'Origin');
  const origin = req.headers.origin;
  if (origin) res.setHeader('access-control-allow-origin', origin);
}

/** Answers a CORS preflight for `/api/*` with 204. */
export function answerApiPreflight(req: IncomingMessage, res: ServerResponse): void {
  allowApiOrigin(req, res);
  res.writeHead(204, {
    'access-control-allow-methods': 'POST, DELETE',
    'access-control-allow-headers': 'content-type, authorization, x-leflux-admin-key',
    'access-control-max-age': '600',
  });
  res.end();
}
