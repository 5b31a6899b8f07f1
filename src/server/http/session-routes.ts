import type { IncomingMessage } from 'node:http';
import {
  ID_PATTERN,
  LIMITS,
  type RestoreResponse,
  validateRestoreRequest,
} from '../../protocol/index.js';
import type { Gateway } from '../gateway/gateway.js';
import { secretsEqual } from '../secret.js';
import type { SiteSettingsLookup } from '../site-settings.js';
import type { SessionRecord, SessionStore } from '../stores/session-store.js';
import { HttpError } from './http-error.js';
import { sendJson } from './json-response.js';
import { hasBody, readJsonBody } from './request-body.js';
import type { RouteHandler } from './router.js';

export interface SessionRoutesOptions {
  store: SessionStore;
  gateway: Gateway;
  /** Per-site settings; restore sends the site's browser retention when it sets one. */
  sites: SiteSettingsLookup;
  /** `LEFLUX_ADMIN_KEY`; unset: only session tokens may purge. */
  adminKey?: string;
}

const notFound = (id: string) =>
  new HttpError(404, 'session_not_found', `session ${id} does not exist or was evicted`);
const wrongToken = () =>
  new HttpError(401, 'unauthorized', 'the token does not match this session');

async function liveSession(store: SessionStore, id: string | undefined): Promise<SessionRecord> {
  // An id outside the pattern was never issued: same answer as an unknown one.
  const session =
    id !== undefined && ID_PATTERN.test(id) ? await store.sessions.get(id) : undefined;
  if (!session) throw notFound(id ?? '');
  return session;
}

/**
 * `POST /api/session/:id` with `{ token, url? }`: the session's history and agent task for a
 * re-mounted widget. Reading is not activity: a restore never postpones idle eviction.
 */
export function restoreSessionRoute({ store, gateway, sites }: SessionRoutesOptions): RouteHandler {
  return async ({ req, res, params }) => {
    const checked = validateRestoreRequest(await readJsonBody(req, LIMITS.maxBodyBytes));
    if (!checked.ok) throw new HttpError(400, 'invalid_payload', checked.message);
    const session = await liveSession(store, params.id);
    if (!secretsEqual(session.token, checked.value.token)) throw wrongToken();
    // First: a task whose hold ran out ends now, and its message is in this history.
    const task = await gateway.task(session.id);
    const body: RestoreResponse = {
      session: {
        id: session.id,
        siteKey: session.siteKey,
        createdAt: session.createdAt,
        lastActiveAt: session.lastActiveAt,
      },
      history: await store.history.after(session.id, 0),
      task,
    };
    const { retention } = sites(session.siteKey);
    if (retention) body.retention = retention;
    sendJson(res, 200, body);
  };
}

/**
 * `DELETE /api/session/:id`: purges the session everywhere. Authorised by the session token
 * (`Authorization: Bearer <token>` or a JSON body `{ token }`) or by the admin key
 * (`X-LeFlux-Admin-Key`), which can also purge the log rows of an already evicted session.
 */
export function purgeSessionRoute({
  store,
  gateway,
  adminKey,
}: SessionRoutesOptions): RouteHandler {
  return async ({ req, res, params }) => {
    const id = params.id ?? '';
    const presentedKey = header(req, 'x-leflux-admin-key');
    if (presentedKey !== undefined) {
      if (adminKey === undefined || !secretsEqual(adminKey, presentedKey)) {
        throw new HttpError(401, 'unauthorized', 'the admin key is wrong or not configured');
      }
      if (!ID_PATTERN.test(id)) throw notFound(id);
    } else {
      const token = bearerToken(req) ?? (await bodyToken(req));
      if (token === undefined) {
        throw new HttpError(401, 'unauthorized', 'send the session token as Authorization: Bearer');
      }
      const session = await liveSession(store, id);
      if (!secretsEqual(session.token, token)) throw wrongToken();
    }
    const { live, logRows } = await gateway.purge(id);
    if (!live && logRows === 0) throw notFound(id);
    res.writeHead(204).end();
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '');
  return match?.[1];
}

async function bodyToken(req: IncomingMessage): Promise<string | undefined> {
  if (!hasBody(req)) return undefined;
  const body = await readJsonBody(req, LIMITS.maxBodyBytes);
  const token =
    typeof body === 'object' && body !== null && 'token' in body ? body.token : undefined;
  return typeof token === 'string' ? token : undefined;
}
