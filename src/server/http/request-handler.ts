import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { ID_PATTERN } from '../../protocol/index.js';
import { clientAddress } from '../limits/client-address.js';
import type { MessageLog } from '../log/message-log.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { InboxService } from '../sessions/inbox.js';
import type { OperatorAuth } from '../sessions/operator-auth.js';
import { RateLimitedError, SessionError } from '../sessions/session-error.js';
import type { SessionServices } from '../sessions/sessions.js';
import type { SiteSettingsLookup } from '../site-settings.js';
import { SessionNotFoundError, type SessionStore } from '../stores/session-store.js';
import { allowApiOrigin, answerApiPreflight } from './cors.js';
import { dashboardAppRoute } from './dashboard-app.js';
import { addDashboardRoutes, grantOf } from './dashboard-routes.js';
import { HttpError } from './http-error.js';
import { sendJson } from './json-response.js';
import { postMessageRoute, typingRoute } from './operator-routes.js';
import { Router } from './router.js';
import { purgeSessionRoute, restoreSessionRoute } from './session-routes.js';
import { staticSiteRoute } from './static-site.js';
import { widgetAssetsRoute, widgetBundleRoute } from './widget-route.js';

export interface RequestHandlerOptions {
  sessions: SessionServices;
  /** For `/healthz` and the CORS check of a session's site; everything else goes through `sessions`. */
  store: SessionStore;
  log: MessageLog;
  logger: Logger;
  /** Per-site settings: allowed origins (CORS). */
  sites: SiteSettingsLookup;
  /** Proxies of the operator's own before this server (`LEFLUX_TRUSTED_PROXIES`). Default 0. */
  trustedProxies?: number;
  /** `LEFLUX_ADMIN_KEY`: lets an operator purge any session. */
  adminKey?: string;
  /** `LEFLUX_API_KEY`: the operator API (messages, typing). Unset: refused. */
  apiKey?: string;
  widgetFile: string;
  /** The demo site's root, served at `/`; undefined (demo off): no pages. */
  demoDir?: string;
  /** How long `/healthz` waits for the store and the log. Default 2 s. */
  healthTimeoutMs?: number;
  /** The dashboard (`/dashboard`): its build, its services and the operators' sign-in. */
  dashboard: { dir: string; inbox: InboxService; auth: OperatorAuth; now: () => number };
  /** Whether this node takes traffic (`GET /readyz`): false while it drains. Default: always. */
  ready?: () => boolean;
  /** Counts the errors answered, by code. */
  metrics?: Metrics;
}

/**
 * LeFlux's HTTP routes as connect/Express-style middleware: `next` (when given) gets every
 * request LeFlux does not serve; without it those are answered 404.
 */
export type RequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** The status for a service's refusal. */
const STATUS = {
  invalid_payload: 400,
  unauthorized: 401,
  origin_not_allowed: 403,
  rate_limited: 429,
} as const;

/** The server's whole HTTP surface (socket.io answers `/socket.io/` before this sees it). */
export function createRequestHandler(options: RequestHandlerOptions): RequestHandler {
  const {
    store,
    log,
    logger,
    sites,
    metrics,
    healthTimeoutMs = 2000,
    ready = () => true,
    trustedProxies = 0,
  } = options;

  /** The origins the addressed session's site allows; undefined: any (or no such session). */
  async function allowedOriginsFor(pathname: string): Promise<readonly string[] | undefined> {
    const id = /^\/api\/session\/([^/]+)$/.exec(pathname)?.[1];
    if (id === undefined || !ID_PATTERN.test(id)) return undefined;
    const session = await store.sessions.get(id);
    return session && sites(session.siteKey).allowedOrigins;
  }

  const { dashboard } = options;
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
    .add('GET', '/readyz', async ({ res }) => {
      // Liveness is /healthz; this says whether a load balancer should send new traffic here.
      if (!ready())
        throw new HttpError(503, 'unavailable', 'this node is draining: it is shutting down');
      sendJson(res, 200, { ok: true });
    })
    .add('POST', '/api/session/:id', restoreSessionRoute(options))
    .add('DELETE', '/api/session/:id', purgeSessionRoute(options))
    .add('POST', '/api/session/:id/messages', postMessageRoute(options))
    .add('POST', '/api/session/:id/typing', typingRoute(options))
    .add('GET', '/widget.js', widgetBundleRoute(options.widgetFile))
    .add('GET', '/leflux/*', widgetAssetsRoute(join(dirname(options.widgetFile), 'leflux')))
    .add(
      'GET',
      '/widget.js.map',
      widgetBundleRoute(`${options.widgetFile}.map`, 'application/json; charset=utf-8'),
    );
  addDashboardRoutes(router, dashboard);
  router.add(
    'GET',
    '/dashboard/*',
    dashboardAppRoute({
      dir: dashboard.dir,
      signedIn: ({ req }) => grantOf(dashboard.auth, req) !== undefined,
    }),
  );
  if (options.demoDir !== undefined) router.add('GET', '/*', staticSiteRoute(options.demoDir));

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    next: (() => void) | undefined,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const api = url.pathname.startsWith('/api/session/');
    if (api) {
      const allowed = req.headers.origin ? await allowedOriginsFor(url.pathname) : undefined;
      if (req.method === 'OPTIONS') return answerApiPreflight(req, res, allowed);
      allowApiOrigin(req, res, allowed);
    }
    const route = router.match(req.method ?? 'GET', url.pathname);
    if (!route) {
      const dashboardPath = url.pathname === '/dashboard' || url.pathname.startsWith('/dashboard/');
      // Under /api/session/ and /dashboard every path is ours; anything else may be the host app's.
      if (next && !api && !dashboardPath) return next();
      if (dashboardPath && !grantOf(dashboard.auth, req)) {
        throw new HttpError(401, 'unauthorized', 'sign in to the dashboard first');
      }
      throw new HttpError(404, 'not_found', `no route for ${req.method} ${url.pathname}`);
    }
    const address = clientAddress(req.headers, req.socket.remoteAddress, trustedProxies);
    await route.handler({ req, res, url, params: route.params, next, address });
  }

  return (req, res, next) => {
    handle(req, res, next && (() => next())).catch((error: unknown) => {
      if (res.headersSent) {
        logger.error(`${req.method} ${req.url} failed after responding`, error);
        res.destroy();
        return;
      }
      const answer = httpErrorOf(error);
      if (answer.code === 'internal') logger.error(`${req.method} ${req.url} failed`, error);
      metrics?.error(answer.code);
      answer.render(res);
    });
  };
}

/** What a failed request is answered with. */
function httpErrorOf(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof SessionNotFoundError) return new HttpError(404, error.code, error.message);
  if (error instanceof RateLimitedError) {
    const seconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    return new HttpError(429, error.code, error.message, { 'retry-after': String(seconds) });
  }
  if (error instanceof SessionError) {
    const { code, message, retryAfter } = error;
    const headers: Record<string, string> =
      retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
    return new HttpError(STATUS[code], code, message, headers, undefined, retryAfter);
  }
  return new HttpError(500, 'internal', 'internal server error');
}

function answersWithin<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
