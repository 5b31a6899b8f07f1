import {
  type ChatMessage,
  type ErrorCode,
  type RestoreResponse,
  validateChatMessage,
} from '../../protocol/index.js';

export type RestoreResult =
  | {
      kind: 'restored';
      history: ChatMessage[];
      /** Messages of the history left out because they did not validate. */
      dropped: number;
      task: RestoreResponse['task'];
      /** Unchecked: the session validates it against its own defaults. */
      retention: unknown;
    }
  | { kind: 'gone'; code: ErrorCode }
  | { kind: 'failed'; error: Error };

/**
 * Asks the server for a stored session's history. `gone` (404 evicted/unknown, 401 wrong token)
 * means: start a fresh session. `failed` (network, 5xx, bad body) means: keep the id and let the
 * socket retry, because the session may well still exist.
 *
 * @example const result = await restoreSession({ server, sessionId, token, url: location.href });
 */
export async function restoreSession(options: {
  server: string;
  sessionId: string;
  token: string;
  url: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /**
   * Reads and checks the answer only once this settles: the request goes out at once, while
   * parsing a long history waits until the caller has painted what it has cached.
   */
  readAfter?: Promise<unknown>;
}): Promise<RestoreResult> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(
      `${options.server}/api/session/${encodeURIComponent(options.sessionId)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: options.token, url: options.url }),
        signal: options.signal,
      },
    );
  } catch (cause) {
    return { kind: 'failed', error: new Error('restore request failed', { cause }) };
  }
  await options.readAfter?.catch(() => undefined);
  // Always read the body: it frees the connection for reuse, and errors carry their code in it.
  let body: unknown;
  let bodyError: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    bodyError = cause;
  }
  if (response.status === 404) return { kind: 'gone', code: 'session_not_found' };
  if (response.status === 401) return { kind: 'gone', code: 'unauthorized' };
  if (!response.ok)
    return { kind: 'failed', error: new Error(`restore answered ${response.status}`) };
  if (bodyError)
    return { kind: 'failed', error: new Error('restore body is not JSON', { cause: bodyError }) };
  const raw = (body as Partial<RestoreResponse> | null)?.history;
  if (!Array.isArray(raw))
    return { kind: 'failed', error: new Error('restore body has no history') };
  const history: ChatMessage[] = [];
  for (const item of raw) {
    const checked = validateChatMessage(item);
    if (checked.ok) history.push(checked.value);
  }
  const { task = null, retention } = body as Partial<RestoreResponse>;
  return { kind: 'restored', history, dropped: raw.length - history.length, task, retention };
}

/**
 * Drops the session on the server (live state, message log, open sockets). Authorised by the
 * session's own token. `keepalive` lets it finish even if the page is closing.
 */
export async function purgeSession(options: {
  server: string;
  sessionId: string;
  token: string;
  fetch?: typeof fetch;
}): Promise<{ ok: true } | { ok: false; error: Error }> {
  const doFetch = options.fetch ?? fetch;
  try {
    const response = await doFetch(
      `${options.server}/api/session/${encodeURIComponent(options.sessionId)}`,
      {
        method: 'DELETE',
        headers: { authorization: `Bearer ${options.token}` },
        keepalive: true,
      },
    );
    await response.body?.cancel();
    // 404: already gone on the server (evicted, restarted) — which is what we wanted.
    if (response.ok || response.status === 404) return { ok: true };
    return { ok: false, error: new Error(`purge answered ${response.status}`) };
  } catch (cause) {
    return { ok: false, error: new Error('purge request failed', { cause }) };
  }
}
