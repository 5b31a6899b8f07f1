import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { ID_PATTERN } from '../../protocol/index.js';
import type { Gateway } from '../gateway/gateway.js';
import type { MessageLog } from '../log/message-log.js';
import type { Logger } from '../logger.js';
import type { SiteSettingsLookup } from '../site-settings.js';
import type { SessionStore } from '../stores/session-store.js';
import { allowApiOrigin, answerApiPreflight } from './cors.js';
import { HttpError } from './http-error.js';
import { sendJson } from './json-response.js';
import { Router } from './router.js';
import { purgeSessionRoute, restoreSessionRoute } from './session-routes.js';
import { staticSiteRoute } from './static-site.js';
import { widgetAssetsRoute, widgetBundleRoute } from './widget-route.js';

export interface RequestHandlerOptions {
  store: SessionStore;
  log: MessageLog;
  gateway: Gateway;
  logger: Logger;
  /** Per-site settings: allowed origins (CORS) and browser retention (restore). */
  sites: SiteSettingsLookup;
  adminKey?: string;
  widgetFile: string;
  demoDir: string;
  /** How long `/healthz` waits for the store and the log. Default 2 s. */
  healthTimeoutMs?: number;
}

/** The server's whole HTTP surface (socket.io handles `/socket.io/` before this sees it). */
export function createRequestHandler(
  options: RequestHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, log, logger, sites, healthTimeoutMs = 2000 } = options;

  /** The origins the addressed session's site allows; undefined: any (or no such session). */
  async function allowedOriginsFor(pathname: string): Promise<readonly string[] | undefined> {
    const id = /^\/api\/session\/([^/]+)$/.exec(pathname)?.[1];
    if (id === undefined || !ID_PATTERN.test(id)) return undefined;
    const session = await store.sessions.get(id);
    return session && sites(session.siteKey).allowedOrigins;
  }

  const router = new Router()
    .add('GET', '/healthz', async ({ res }) => {
      await answersWithin(Promise.all([store.ping(), log.ping()]), healthTimeoutMs).catch(
        (error: unknown) => {
          logger.warn('health check failed', error);
          throw new HttpError(
            503,
            'unavailable',
            'the session store or the message log does not answer',
          );
        },
      );
      sendJson(res, 200, { ok: true });
    })
    .add('POST', '/api/session/:id', restoreSessionRoute(options))
    .add('DELETE', '/api/session/:id', purgeSessionRoute(options))
    .add('GET', '/widget.js', widgetBundleRoute(options.widgetFile))
    .add('GET', '/leflux/*', widgetAssetsRoute(join(dirname(options.widgetFile), 'leflux')))
    .add(
      'GET',
      '/widget.js.map',
      widgetBundleRoute(`${options.widgetFile}.map`, 'application/json; charset=utf-8'),
    )
    .add('GET', '/*', staticSiteRoute(options.demoDir));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/')) {
      const allowed = req.headers.origin ? await allowedOriginsFor(url.pathname) : undefined;
      if (req.method === 'OPTIONS') return answerApiPreflight(req, res, allowed);
      allowApiOrigin(req, res, allowed);
    }
    const route = router.match(req.method ?? 'GET', url.pathname);
    if (!route) throw new HttpError(404, 'not_found', `no route for ${req.method} ${url.pathname}`);
    await route.handler({ req, res, url, params: route.params });
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        logger.error(`${req.method} ${req.url} failed after responding`, error);
        res.destroy();
        return;
      }
      if (error instanceof HttpError) return error.render(res);
      logger.error(`${req.method} ${req.url} failed`, error);
      new HttpError(500, 'internal', 'internal server error').render(res);
    });
  };
}

function answersWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
