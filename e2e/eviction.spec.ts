import { expect, openChat, say, storedRecord, test } from './fixtures.js';

test.describe('with a short idle TTL', () => {
  test.use({ serverConfig: { idleTtlMs: 1_500, sweepIntervalMs: 200 } });

  test('an idle session is evicted under an open page: messages stay as an earlier conversation, the next message starts a new session', async ({
    page,
    server,
  }) => {
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'hello');
    await expect(w.agentMessages).toHaveCount(1);
    const evicted = await storedRecord<{ id: string; token: string }>(page, 'leflux:sessionId');

    // Nobody types: the server evicts the session and tells the open socket.
    await expect(w.log.locator('[data-earlier="true"]')).toHaveCount(2, { timeout: 5_000 });
    await expect(w.log.getByText('Earlier conversation')).toBeVisible();
    expect(await storedRecord(page, 'leflux:sessionId')).toBeNull();
    const restore = await page.request.post(`${server.url}/api/session/${evicted?.id}`, {
      data: { token: evicted?.token },
    });
    expect(restore.status()).toBe(404);

    await say(page, 'still there?');
    await expect(w.agentMessages).toHaveCount(2);
    const fresh = await storedRecord<{ id: string }>(page, 'leflux:sessionId');
    expect(fresh?.id).toBeTruthy();
    expect(fresh?.id).not.toBe(evicted?.id);
  });
});
