import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { compress, type Encoding, pickEncoding } from './content-encoding.js';
import { HttpError } from './http-error.js';
import type { RouteHandler } from './router.js';

interface CachedFile {
  mtimeMs: number;
  size: number;
  body: Buffer;
  etag: string;
  /** Compressed copies, made on first request for each encoding. */
  encoded: Map<Encoding, Promise<Buffer>>;
}

export interface BuiltFileOptions {
  contentType: string;
  cacheControl: string;
  /** More response headers (CORS for the widget's files, security headers for the dashboard's). */
  headers?: Record<string, string>;
}

/**
 * A built file (the widget's, the dashboard's), cached in memory and re-read when it changes (a
 * rebuild while the server runs), with an ETag, sent brotli- or gzip-compressed when the browser
 * accepts it (each copy made once per build). A missing file answers 503 `unavailable`.
 *
 * @example router.add('GET', '/widget.js', builtFileRoute(file, { contentType, cacheControl: 'no-cache' }));
 */
export function builtFileRoute(file: string, options: BuiltFileOptions): RouteHandler {
  const { contentType, cacheControl, headers: extra = {} } = options;
  let cached: CachedFile | undefined;

  async function load(): Promise<CachedFile> {
    const info = await stat(file).catch((error: unknown) => {
      throw new HttpError(
        503,
        'unavailable',
        `the built file ${file} is missing: run npm run build`,
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
  async function encode(built: CachedFile, encoding: Encoding | undefined) {
    if (!encoding) return { body: built.body, encoding };
    let pending = built.encoded.get(encoding);
    if (!pending) {
      pending = compress(encoding, built.body);
      built.encoded.set(encoding, pending);
    }
    const body = await pending.catch(() => undefined);
    return body ? { body, encoding } : { body: built.body, encoding: undefined };
  }

  return async ({ req, res }) => {
    const built = await load();
    const { body, encoding } = await encode(built, pickEncoding(req.headers['accept-encoding']));
    // Each encoding is its own representation, with its own validator.
    const etag = encoding ? `${built.etag.slice(0, -1)}-${encoding}"` : built.etag;
    const headers: Record<string, string> = {
      'content-type': contentType,
      'cache-control': cacheControl,
      etag,
      vary: 'Accept-Encoding',
      ...extra,
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
