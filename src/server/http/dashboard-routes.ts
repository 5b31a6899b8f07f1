import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSiteKey, LIMITS } from '../../protocol/index.js';
import type { InboxService } from '../sessions/inbox.js';
import {
  OPERATOR_COOKIE,
  type OperatorAuth,
  type OperatorGrant,
  readCookie,
  sameOrigin,
} from '../sessions/operator-auth.js';
import { header } from './credentials.js';
import { csvRows } from './csv.js';
import { DASHBOARD_HEADERS } from './dashboard-app.js';
import { HttpError } from './http-error.js';
import { sendJson } from './json-response.js';
import { readJsonBody } from './request-body.js';
import type { RouteContext, RouteHandler, Router } from './router.js';

const DAY = 86_400_000;
/** The longest range the per-day counts and the export take. */
const MAX_RANGE_DAYS = 400;

export interface DashboardRoutesOptions {
  inbox: InboxService;
  auth: OperatorAuth;
  now: () => number;
}

/** A route's context once the operator is known (and, under `/sites/:site`, the site checked). */
interface OperatorContext extends RouteContext {
  grant: OperatorGrant;
  site: string;
}

/** The grant of a request's cookie, if it is signed in. */
export function grantOf(auth: OperatorAuth, req: IncomingMessage): OperatorGrant | undefined {
  return auth.verify(readCookie(header(req, 'cookie'), OPERATOR_COOKIE));
}

/** Behind TLS itself, or a proxy that says so: the cookie is then `Secure`. */
function overHttps(req: IncomingMessage): boolean {
  const proto = header(req, 'x-forwarded-proto')?.split(',')[0]?.trim();
  return (req.socket as { encrypted?: boolean }).encrypted === true || proto === 'https';
}

function cookie(req: IncomingMessage, value: string, maxAgeSeconds: number): string {
  const secure = overHttps(req) ? '; Secure' : '';
  // Path=/ so the socket.io handshake (/socket.io/) carries it too.
  return `${OPERATOR_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

function send(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  sendJson(res, status, body, { ...DASHBOARD_HEADERS, ...headers });
}

/** `?name=` as a whole number within bounds, or its default. */
function integer(url: URL, name: string, fallback: number | undefined, min: number, max: number) {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') {
    if (fallback === undefined) throw new HttpError(400, 'invalid_payload', `${name} is required`);
    return fallback;
  }
  const n = /^-?\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new HttpError(
      400,
      'invalid_payload',
      `${name} must be a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

/** `?from=&to=` (ms since 1970, `to` excluded); at most `maxDays` apart when given. */
function range(url: URL, maxDays?: number): { from: number; to: number } {
  const from = integer(url, 'from', undefined, 0, Number.MAX_SAFE_INTEGER);
  const to = integer(url, 'to', undefined, 0, Number.MAX_SAFE_INTEGER);
  if (to <= from) throw new HttpError(400, 'invalid_payload', 'to must be after from');
  if (maxDays !== undefined && to - from > maxDays * DAY) {
    throw new HttpError(400, 'invalid_payload', `a range is at most ${maxDays} days`);
  }
  return { from, to };
}

/**
 * The dashboard's API under `/dashboard/api/`. Every route but sign-in answers 401 without a
 * signed-in cookie. Against CSRF, in layers: the cookie is `SameSite=Strict` (a cross-site page's
 * requests carry none), and every request that changes something must also come from a page of
 * this origin (`Origin` / `Sec-Fetch-Site`, since SameSite does not tell apart sibling subdomains)
 * and carry the sign-in's CSRF token in `X-LeFlux-CSRF` (a header no cross-origin page can set
 * without a CORS preflight, which is never granted here); else 403 `csrf_failed`. Sign-in itself
 * takes the origin check, JSON only, and 10 wrong keys per IP per 15 minutes, then 429.
 */
export function addDashboardRoutes(router: Router, options: DashboardRoutesOptions): void {
  const { inbox, auth, now } = options;

  /** Wraps a handler: signed in, and for writes the CSRF checks; the site, when the path names one. */
  const operator =
    (handler: (context: OperatorContext) => Promise<void>, { write = false } = {}): RouteHandler =>
    async (context) => {
      const grant = grantOf(auth, context.req);
      if (!grant) throw new HttpError(401, 'unauthorized', 'sign in to the dashboard first');
      if (write) {
        const token = header(context.req, 'x-leflux-csrf');
        if (!sameOrigin(context.req.headers) || token === undefined || token !== grant.csrf) {
          throw new HttpError(
            403,
            'csrf_failed',
            'refused: send this from the dashboard (same origin, with its X-LeFlux-CSRF token)',
          );
        }
      }
      const site = context.params.site;
      if (site !== undefined) {
        const mine = grant.scope === 'all' || grant.sites.includes(site);
        if (!isSiteKey(site) || !mine) {
          throw new HttpError(404, 'not_found', `no site ${site} for this admin key`);
        }
      }
      await handler({ ...context, grant, site: site ?? '' });
    };

  const sites = '/dashboard/api/sites/:site';
  const session = `${sites}/sessions/:id`;
  router
    .add('POST', '/dashboard/api/sign-in', async ({ req, res }) => {
      if (!sameOrigin(req.headers)) {
        throw new HttpError(403, 'csrf_failed', 'sign in from the dashboard itself');
      }
      // JSON only: a cross-site HTML form cannot send it without a preflight.
      if (!/^application\/json\b/i.test(header(req, 'content-type') ?? '')) {
        throw new HttpError(400, 'invalid_payload', 'send { "key": "..." } as application/json');
      }
      const body = await readJsonBody(req, LIMITS.maxBodyBytes);
      const key = (body as { key?: unknown } | null)?.key;
      const grant = await auth.signIn(key, req.socket.remoteAddress ?? 'unknown');
      const seconds = Math.max(0, Math.round((grant.expiresAt - now()) / 1000));
      send(res, 200, auth.describe(grant, await inbox.knownSites()), {
        'set-cookie': cookie(req, grant.token, seconds),
      });
    })
    .add(
      'POST',
      '/dashboard/api/sign-out',
      operator(
        async ({ req, res }) => {
          res.writeHead(204, { ...DASHBOARD_HEADERS, 'set-cookie': cookie(req, '', 0) }).end();
        },
        { write: true },
      ),
    )
    .add(
      'GET',
      '/dashboard/api/me',
      operator(async ({ res, grant }) => {
        send(res, 200, auth.describe(grant, await inbox.knownSites()));
      }),
    )
    .add(
      'GET',
      `${sites}/sessions`,
      operator(async ({ res, url, site }) => {
        const search = url.searchParams.get('q')?.trim() ?? '';
        if (search.length > 200) {
          throw new HttpError(400, 'invalid_payload', 'a search is at most 200 characters');
        }
        const page = await inbox.list(site, {
          ...range(url),
          search,
          offset: integer(url, 'offset', 0, 0, 1_000_000),
          limit: integer(url, 'limit', 25, 1, 100),
        });
        send(res, 200, page);
      }),
    )
    .add(
      'GET',
      session,
      operator(async ({ res, site, params }) => {
        send(res, 200, await inbox.conversation(site, params.id ?? ''));
      }),
    )
    .add(
      'DELETE',
      session,
      operator(
        async ({ res, site, params }) => {
          await inbox.purge(site, params.id ?? '');
          res.writeHead(204, DASHBOARD_HEADERS).end();
        },
        { write: true },
      ),
    )
    .add(
      'POST',
      `${session}/messages`,
      operator(
        async ({ req, res, site, params }) => {
          const body = await readJsonBody(req, LIMITS.maxBodyBytes);
          send(res, 201, { message: await inbox.reply(site, params.id ?? '', body) });
        },
        { write: true },
      ),
    )
    .add(
      'POST',
      `${session}/typing`,
      operator(
        async ({ res, site, params }) => {
          await inbox.typing(site, params.id ?? '');
          res.writeHead(204, DASHBOARD_HEADERS).end();
        },
        { write: true },
      ),
    )
    .add(
      'POST',
      `${session}/takeover`,
      operator(
        async ({ req, res, site, params }) => {
          const body = await readJsonBody(req, LIMITS.maxBodyBytes);
          send(res, 200, { session: await inbox.takeOver(site, params.id ?? '', body) });
        },
        { write: true },
      ),
    )
    .add(
      'DELETE',
      `${session}/takeover`,
      operator(
        async ({ res, site, params }) => {
          send(res, 200, { session: await inbox.handBack(site, params.id ?? '') });
        },
        { write: true },
      ),
    )
    .add(
      'GET',
      `${sites}/stats`,
      operator(async ({ res, url, site }) => {
        const utcOffsetMinutes = integer(url, 'tz', 0, -840, 840);
        send(
          res,
          200,
          await inbox.stats(site, { ...range(url, MAX_RANGE_DAYS), utcOffsetMinutes }),
        );
      }),
    )
    .add(
      'GET',
      `${sites}/export.csv`,
      operator(async ({ res, url, site }) => {
        const { from, to } = range(url, MAX_RANGE_DAYS);
        const name = `leflux-${site}-${new Date(from).toISOString().slice(0, 10)}.csv`;
        const entries = inbox.entries(site, { from, to });
        // The first page is read before answering, so a failing log still gets a clean 500.
        const first = await entries.next();
        res.writeHead(200, {
          ...DASHBOARD_HEADERS,
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${name}"`,
          'cache-control': 'no-store',
        });
        const rows: (string | number | undefined)[][] = [
          // `user` and `verified` last: a spreadsheet built on the first seven keeps working.
          ['time', 'session', 'seq', 'author', 'name', 'text', 'page', 'user', 'verified'],
        ];
        const flush = () => {
          res.write(csvRows(rows));
          rows.length = 0;
        };
        for (let next = first; !next.done; next = await entries.next()) {
          const e = next.value;
          rows.push([
            new Date(e.at).toISOString(),
            e.sessionId,
            e.seq,
            e.author,
            e.name,
            e.text,
            e.url,
            e.identity?.userId,
            e.identity && (e.identity.verified ? 'yes' : 'no'),
          ]);
          if (rows.length >= 500) flush();
        }
        flush();
        res.end();
      }),
    )
    .add(
      'GET',
      `${sites}/privacy`,
      operator(async ({ res, site }) => {
        send(res, 200, inbox.privacy(site));
      }),
    )
    .add(
      'PUT',
      `${sites}/privacy`,
      operator(
        async ({ req, res, site }) => {
          const body = await readJsonBody(req, LIMITS.maxBodyBytes);
          send(res, 200, await inbox.savePrivacy(site, body));
        },
        { write: true },
      ),
    )
    // Any other API path: signed-out callers learn nothing, not even that it does not exist.
    .add(
      'GET',
      '/dashboard/api/*',
      operator(async ({ url }) => {
        throw new HttpError(404, 'not_found', `no dashboard route ${url.pathname}`);
      }),
    );
}
