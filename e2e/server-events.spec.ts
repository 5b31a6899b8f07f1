import type { Page, WebSocketRoute } from '@playwright/test';
import { expect, openChat, say, storedMessages, test } from './fixtures.js';

/** A socket.io event frame as the server sends it over the websocket. */
const eventFrame = (name: string, payload: unknown) => `42${JSON.stringify([name, payload])}`;

/**
 * Puts a proxy between the page and the server's socket: everything passes, except that
 * `tamper` may rewrite or add to what the server sends.
 */
async function tamperWithServer(
  page: Page,
  tamper: (frame: string, page: WebSocketRoute) => string | undefined,
): Promise<void> {
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((frame) => server.send(frame));
    server.onMessage((frame) => {
      const out = typeof frame === 'string' ? tamper(frame, ws) : frame;
      if (out !== undefined) ws.send(out);
    });
  });
}

test('malformed server events are dropped with an invalid_message error: never shown, never stored', async ({
  page,
  server,
}) => {
  let tampered = false;
  await tamperWithServer(page, (frame, ws) => {
    // The session_init ack (`43<id>[{...}]`): one bad message in `missed`, then bad live events.
    if (tampered || !/^43\d+\[/.test(frame) || !frame.includes('"missed"')) return frame;
    tampered = true;
    const at = frame.indexOf('[');
    const [ack] = JSON.parse(frame.slice(at)) as [{ missed: unknown[] }];
    ack.missed.push({ id: 'bad-missed', author: 'agent', text: 42, at: 1, seq: 90 });
    queueMicrotask(() => {
      ws.send(
        eventFrame('agent_message', { id: 'bad-long', text: 'x'.repeat(5_000), at: 1, seq: 91 }),
      );
      ws.send(eventFrame('agent_message', { id: 'bad id!', text: 'hi', at: 1, seq: 92 }));
      ws.send(eventFrame('agent_message', { id: 'no-seq', text: 'hi', at: 1 }));
      ws.send(eventFrame('action', { taskId: 't1', step: 0, type: 'rm -rf', label: 'x' }));
      ws.send(eventFrame('task_done', { taskId: ['t1'] }));
    });
    return `${frame.slice(0, at)}${JSON.stringify([ack])}`;
  });
  const w = await openChat(page, `${server.url}/`);
  await page.evaluate(() => {
    const codes: string[] = [];
    Object.assign(window, { errorCodes: codes });
    return window.LeFlux?.on('error', (error) => codes.push(error.code));
  });
  await say(page, 'hello');
  await expect(w.agentMessages).toHaveCount(1);
  const errorCodes = () =>
    page.evaluate(() => (window as unknown as { errorCodes: string[] }).errorCodes);
  await expect.poll(errorCodes).toHaveLength(6);
  expect(new Set(await errorCodes())).toEqual(new Set(['invalid_message']));

  const bad = ['bad-missed', 'bad-long', 'bad id!', 'no-seq'];
  for (const id of bad) await expect(w.log.locator(`[data-message-id="${id}"]`)).toHaveCount(0);
  await expect(w.messages).toHaveCount(2);
  await expect
    .poll(async () => (await storedMessages(page)).map((m) => m.status))
    .toEqual(['sent', 'sent']);
  expect((await storedMessages(page)).filter((m) => bad.includes(m.id))).toEqual([]);
  // The page stays usable: the next message goes through and is answered.
  await say(page, 'still there?');
  await expect(w.agentMessages).toHaveCount(2);
});
