import { LIMITS } from '../../protocol/index.js';
import type { SessionServices } from '../sessions/sessions.js';
import { bearer, keyMatches } from './credentials.js';
import { HttpError } from './http-error.js';
import { sendJson } from './json-response.js';
import { readJsonBody } from './request-body.js';
import type { RouteContext, RouteHandler } from './router.js';

export interface OperatorRoutesOptions {
  sessions: SessionServices;
  /** `LEFLUX_API_KEY`; unset: every request is refused. */
  apiKey?: string;
}

/**
 * Refuses a request without `Authorization: Bearer <LEFLUX_API_KEY>` (before reading anything).
 * A wrong key counts as a guess against the client's address (limit `misses`).
 */
async function authorize(
  { req, address }: RouteContext,
  sessions: SessionServices,
  apiKey: string | undefined,
): Promise<void> {
  await sessions.admit(address);
  if (!keyMatches(apiKey, bearer(req))) {
    if (apiKey !== undefined) await sessions.missed(address);
    throw new HttpError(
      401,
      'unauthorized',
      apiKey === undefined
        ? 'the operator API is off: set LEFLUX_API_KEY'
        : 'send LEFLUX_API_KEY as Authorization: Bearer',
    );
  }
}

/**
 * `POST /api/session/:id/messages` with `{ text, name? }`: a message for the visitor from an
 * operator, or an agent answering late. 201 `{ message }`, shown at once in the visitor's tabs.
 */
export function postMessageRoute({ sessions, apiKey }: OperatorRoutesOptions): RouteHandler {
  return async (context) => {
    await authorize(context, sessions, apiKey);
    const body = await readJsonBody(context.req, LIMITS.maxBodyBytes);
    const message = await sessions.post(context.params.id ?? '', body);
    sendJson(context.res, 201, { message });
  };
}

/** `POST /api/session/:id/typing`: the typing indicator in the visitor's tabs. 204. */
export function typingRoute({ sessions, apiKey }: OperatorRoutesOptions): RouteHandler {
  return async (context) => {
    await authorize(context, sessions, apiKey);
    await sessions.typing(context.params.id ?? '');
    context.res.writeHead(204).end();
  };
}
