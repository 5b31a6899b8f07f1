import type { OperatorSession } from '../src/protocol/dashboard.js';

/** A refusal from the dashboard API, with its stable code (`unauthorized`, `rate_limited`…). */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The CSRF token of the current sign-in, sent with every request that changes something. */
let csrf = '';

/** Remembers who is signed in (the sign-in answer, `/me`). */
export function signedIn(session: OperatorSession): OperatorSession {
  csrf = session.csrf;
  return session;
}

/**
 * Calls `/dashboard/api/<path>`: JSON in and out, the CSRF header on writes. Rejects with an
 * `ApiError` for any answer but 2xx.
 *
 * @example const page = await api<SessionPage>('GET', `sites/acme/sessions?from=0&to=${Date.now()}`);
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-leflux-csrf'] = csrf;
  const res = await fetch(`/dashboard/api/${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => undefined)) as
    | { error?: { code?: string; message?: string } }
    | undefined;
  if (!res.ok) {
    throw new ApiError(
      res.status,
      json?.error?.code ?? 'internal',
      json?.error?.message ?? `${res.status} ${res.statusText}`,
    );
  }
  return json as T;
}
