import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { HttpError } from './http-error.js';
import type { RouteHandler } from './router.js';

interface CachedBundle {
  mtimeMs: number;
  size: number;
  body: Buffer;
  etag: string;
}

/**
 * `GET /widget.js` (and its source map): the embed bundle, cached in memory and re-read
 * when the file changes (a rebuild while the server runs). Any origin may load it.
 */
export function widgetBundleRoute(
  file: string,
  contentType = 'text/javascript; charset=utf-8',
): RouteHandler {
  let cached: CachedBundle | undefined;

  async function load(): Promise<CachedBundle> {
    const info = await stat(file).catch((error: unknown) => {
      throw new HttpError(
        503,
        'unavailable',
        `the widget bundle ${file} is missing: run npm run build`,
        {},
        { cause: error },
      );
    });
    if (cached?.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
    const body = await readFile(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    cached = { mtimeMs: info.mtimeMs, size: info.size, body, etag };
    return cached;
  }

  return async ({ req, res }) => {
    const bundle = await load();
    const headers = {
      'content-type': contentType,
      // Revalidate every load so a deploy reaches visitors at once; the ETag keeps it cheap.
      'cache-control': 'no-cache',
      etag: bundle.etag,
      'access-control-allow-origin': '*',
      'cross-origin-resource-policy': 'cross-origin',
    };
    if (req.headers['if-none-match'] === bundle.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(bundle.body.length) });
    res.end(bundle.body);
  };
}
