import { describe, expect, it } from 'vitest';
import { restoreSession } from './session-api.js';

const message = { id: 'm1', author: 'agent', text: 'hello', at: 1, seq: 1 };

/** A fetch answering `body` with `status`; records when the answer's body is read. */
function answering(status: number, body: unknown) {
  const calls: string[] = [];
  let bodyRead = false;
  const fetch = (async (input: RequestInfo | URL) => {
    calls.push(String(input));
    const response = new Response(JSON.stringify(body), { status });
    const json = response.json.bind(response);
    response.json = () => {
      bodyRead = true;
      return json();
    };
    return response;
  }) as typeof globalThis.fetch;
  return { fetch, calls, bodyRead: () => bodyRead };
}

const options = {
  server: 'http://chat.test',
  sessionId: 's/1',
  token: 't',
  url: 'http://site.test/',
};

describe('restoreSession', () => {
  it('restores the checked history, dropping malformed messages', async () => {
    const server = answering(200, {
      session: { id: 's/1' },
      history: [message, { id: 'bad', author: 'hacker' }],
      task: null,
    });
    const result = await restoreSession({ ...options, fetch: server.fetch });
    expect(result).toEqual({
      kind: 'restored',
      history: [message],
      dropped: 1,
      task: null,
      retention: undefined,
    });
    expect(server.calls).toEqual(['http://chat.test/api/session/s%2F1']);
  });

  it.each([
    [404, { kind: 'gone', code: 'session_not_found' }],
    [401, { kind: 'gone', code: 'unauthorized' }],
  ])('%i means the session is gone', async (status, expected) => {
    const server = answering(status, { error: { code: 'x' } });
    expect(await restoreSession({ ...options, fetch: server.fetch })).toEqual(expected);
  });

  it('sends the request at once but reads the answer only after readAfter settles', async () => {
    const server = answering(200, { session: { id: 's/1' }, history: [message], task: null });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A barrier: resolves once the restore has the response and waits on `readAfter`.
    let waiting = () => {};
    const waitsOnReadAfter = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const readAfter = {
      // biome-ignore lint/suspicious/noThenProperty: a promise-like that reports being waited on.
      then(...args: Parameters<Promise<void>['then']>) {
        waiting();
        return gate.then(...args);
      },
      catch(...args: Parameters<Promise<void>['catch']>) {
        waiting();
        return gate.catch(...args);
      },
    } as Promise<void>;
    const pending = restoreSession({ ...options, fetch: server.fetch, readAfter });
    await waitsOnReadAfter;
    expect(server.calls).toHaveLength(1);
    expect(server.bodyRead()).toBe(false);
    release();
    expect((await pending).kind).toBe('restored');
    expect(server.bodyRead()).toBe(true);
  });
});
