import type { ServerResponse } from 'node:http';

/** Writes `body` as JSON. API bodies hold tokens and history: never cached. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(json)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(json);
}
