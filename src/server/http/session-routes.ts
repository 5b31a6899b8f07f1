import type { IncomingMessage } from 'node:http';
import { LIMITS, validateRestoreRequest } from '../../protocol/index.js';
import type { SessionServices } from '../sessions/sessions.js';
import { bearer, header, keyMatches } from './credentials.js';
import { HttpError } from './http-error.js';
import { sendJson } from './json-response.js';
import { hasBody, readJsonBody } from './request-body.js';
import type { RouteHandler } from './router.js';

export interface SessionRoutesOptions {
  sessions: SessionServices;
  /** `LEFLUX_ADMIN_KEY`; unset: only session tokens may purge. */
  adminKey?: string;
}

/**
 * `POST /api/session/:id` with `{ token, url? }`: the session's history and agent task for a
 * re-mounted widget.
 */
export function restoreSessionRoute({ sessions }: SessionRoutesOptions): RouteHandler {
  return async ({ req, res, params, address }) => {
    const checked = validateRestoreRequest(await readJsonBody(req, LIMITS.maxBodyBytes));
    if (!checked.ok) throw new HttpError(400, 'invalid_payload', checked.message);
    sendJson(res, 200, await sessions.restore(params.id ?? '', checked.value.token, address));
  };
}

/**
 * `DELETE /api/session/:id`: purges the session everywhere. Authorised by the session token
 * (`Authorization: Bearer <token>` or a JSON body `{ token }`) or by the admin key
 * (`X-LeFlux-Admin-Key`), which can also purge the log rows of an already evicted session.
 */
export function purgeSessionRoute({ sessions, adminKey }: SessionRoutesOptions): RouteHandler {
  return async ({ req, res, params, address }) => {
    const id = params.id ?? '';
    const presentedKey = header(req, 'x-leflux-admin-key');
    if (presentedKey !== undefined) {
      await sessions.admit(address);
      if (!keyMatches(adminKey, presentedKey)) {
        await sessions.missed(address);
        throw new HttpError(401, 'unauthorized', 'the admin key is wrong or not configured');
      }
      await sessions.purge(id, { operator: true }, address);
    } else {
      const token = bearer(req) ?? (await bodyToken(req));
      if (token === undefined) {
        throw new HttpError(401, 'unauthorized', 'send the session token as Authorization: Bearer');
      }
      await sessions.purge(id, { token }, address);
    }
    res.writeHead(204).end();
  };
}

async function bodyToken(req: IncomingMessage): Promise<string | undefined> {
  if (!hasBody(req)) return undefined;
  const body = await readJsonBody(req, LIMITS.maxBodyBytes);
  const token =
    typeof body === 'object' && body !== null && 'token' in body ? body.token : undefined;
  return typeof token === 'string' ? token : undefined;
}
