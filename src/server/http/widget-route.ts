import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compress, type Encoding, pickEncoding } from './content-encoding.js';
import { HttpError } from './http-error.js';
import type { RouteHandler } from './router.js';

interface CachedBundle {
  mtimeMs: number;
  size: number;
  body: Buffer;
  etag: string;
  /** Compressed copies, made on first request for each encoding. */
  encoded: Map<Encoding, Promise<Buffer>>;
}

/**
 * `GET /widget.js` (and its source map): the embed bundle, cached in memory and re-read
 * when the file changes (a rebuild while the server runs). Any origin may load it. Sent
 * brotli- or gzip-compressed when the browser accepts it (each copy made once per build):
 * about a third of the bytes of the plain file.
 */
export function widgetBundleRoute(
  file: string,
  contentType = 'text/javascript; charset=utf-8',
  cacheControl = 'no-cache',
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
    cached = { mtimeMs: info.mtimeMs, size: info.size, body, etag, encoded: new Map() };
    return cached;
  }

  /** The body in `encoding`; the plain one should compressing ever fail. */
  async function encode(bundle: CachedBundle, encoding: Encoding | undefined) {
    if (!encoding) return { body: bundle.body, encoding };
    let pending = bundle.encoded.get(encoding);
    if (!pending) {
      pending = compress(encoding, bundle.body);
      bundle.encoded.set(encoding, pending);
    }
    const body = await pending.catch(() => undefined);
    return body ? { body, encoding } : { body: bundle.body, encoding: undefined };
  }

  return async ({ req, res }) => {
    const bundle = await load();
    const { body, encoding } = await encode(bundle, pickEncoding(req.headers['accept-encoding']));
    // Each encoding is its own representation, with its own validator.
    const etag = encoding ? `${bundle.etag.slice(0, -1)}-${encoding}"` : bundle.etag;
    const headers: Record<string, string> = {
      'content-type': contentType,
      // Revalidate every load so a deploy reaches visitors at once; the ETag keeps it cheap.
      'cache-control': cacheControl,
      etag,
      vary: 'Accept-Encoding',
      'access-control-allow-origin': '*',
      'cross-origin-resource-policy': 'cross-origin',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    if (encoding) headers['content-encoding'] = encoding;
    res.writeHead(200, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  };
}

/** Chunk names the build emits under `leflux/`: `name.js`, `name-hash.js` and their maps. */
const ASSET_NAME = /^[A-Za-z0-9_-]+\.js(\.map)?$/;

/**
 * `GET /leflux/*`: the parts of the widget that `widget.js` loads on demand (ES modules, so they
 * need CORS on other origins). Hashed chunks never change and are cached for a year.
 */
export function widgetAssetsRoute(dir: string): RouteHandler {
  const routes = new Map<string, RouteHandler>();
  return async (context) => {
    const name = context.params['*'] ?? '';
    if (!ASSET_NAME.test(name)) throw new HttpError(404, 'not_found', `no widget asset ${name}`);
    let route = routes.get(name);
    if (!route) {
      const hashed = /-[A-Za-z0-9_-]{8,}\.js/.test(name);
      const type = name.endsWith('.map')
        ? 'application/json; charset=utf-8'
        : 'text/javascript; charset=utf-8';
      route = widgetBundleRoute(
        join(dir, name),
        type,
        hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      routes.set(name, route);
    }
    try {
      await route(context);
    } catch (error) {
      // Not built (or removed by a rebuild): forget it, and answer as for any unknown file.
      routes.delete(name);
      throw error instanceof HttpError && error.status === 503
        ? new HttpError(404, 'not_found', `no widget asset ${name}`)
        : error;
    }
  };
}
