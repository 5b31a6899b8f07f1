import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { HttpError } from './http-error.js';
import type { RouteHandler } from './router.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Paths under this prefix that name no file get the SPA's index (client-side routes). */
const SPA_PREFIX = '/app/';

const notFound = (pathname: string) => new HttpError(404, 'not_found', `nothing at ${pathname}`);

/**
 * Serves the demo site from `root`: `/` -> index.html, directories -> their index.html,
 * `/app/*` -> `app/index.html` unless a file exists. Nothing outside `root`, no dotfiles.
 */
export function staticSiteRoute(root: string): RouteHandler {
  const base = resolve(root);

  /** The file for a request path, or undefined when it must not or cannot be served. */
  function locate(pathname: string): string | undefined {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
    if (decoded.split('/').some((segment) => segment.startsWith('.'))) return undefined;
    const file = resolve(base, `.${decoded}`);
    // resolve() has collapsed any `..`; whatever is left must still be inside the root.
    return file === base || file.startsWith(base + sep) ? file : undefined;
  }

  async function fileAt(path: string): Promise<'file' | 'dir' | undefined> {
    const info = await stat(path).catch(() => undefined);
    return info?.isFile() ? 'file' : info?.isDirectory() ? 'dir' : undefined;
  }

  return async ({ res, url, next }) => {
    const { pathname } = url;
    let file = locate(pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    // An unsafe path gets no SPA fallback either: it is refused, not "a client route".
    if (file === undefined) throw notFound(pathname);
    let kind = await fileAt(file);
    if (kind === 'dir') {
      // Relative links in a directory's index.html need the trailing slash.
      res.writeHead(308, { location: `${pathname}/${url.search}` }).end();
      return;
    }
    if (kind === undefined && `${pathname}/`.startsWith(SPA_PREFIX)) {
      file = resolve(base, 'app', 'index.html');
      kind = await fileAt(file);
    }
    if (kind !== 'file') {
      if (next) return next();
      throw notFound(pathname);
    }
    const body = await readFile(file);
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(body.length),
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
  };
}
