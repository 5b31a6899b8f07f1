import { join } from 'node:path';
import { builtFileRoute } from './built-file.js';
import { HttpError } from './http-error.js';
import type { RouteHandler } from './router.js';

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
  return builtFileRoute(file, {
    contentType,
    // Revalidate every load so a deploy reaches visitors at once; the ETag keeps it cheap.
    cacheControl,
    headers: {
      'access-control-allow-origin': '*',
      'cross-origin-resource-policy': 'cross-origin',
    },
  });
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
