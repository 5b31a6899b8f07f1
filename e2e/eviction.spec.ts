import {
  expect,
  openChat,
  say,
  shownTexts,
  storedMessages,
  storedRecord,
  test,
} from './fixtures.js';

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
    // The record stays, marked ended: the earlier conversation lives as long as it does.
    expect(await storedRecord(page, 'leflux:sessionId')).toMatchObject({
      id: evicted?.id,
      endedAt: expect.any(Number),
    });
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
  test('after an eviction the earlier conversation stays on screen, through reloads and navigations, until its 24 h pass', async ({
    page,
    server,
  }) => {
    await page.clock.install();
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'hello');
    await expect(w.agentMessages).toHaveCount(1);
    const texts = await shownTexts(w.messages);

    // Nobody types: the server evicts the session and tells the open page.
    await expect(w.log.locator('[data-earlier="true"]')).toHaveCount(2, { timeout: 5_000 });

    // The browser's copy lives on: after a reload, and on another page of the site.
    await page.reload();
    await expect(w.dialog).toBeVisible();
    await expect(w.log.getByText('Earlier conversation')).toBeVisible();
    await expect(w.log.locator('[data-earlier="true"]')).toHaveCount(2);
    expect(await shownTexts(w.messages)).toEqual(texts);
    await page.goto(`${server.url}/pricing.html`);
    await expect(w.log.locator('[data-earlier="true"]')).toHaveCount(2);
    expect((await storedMessages(page)).map((m) => m.text).sort()).toEqual([...texts].sort());

    // 23 h later it is still there; past its 24 h it is gone, from storage too.
    await page.clock.fastForward(23 * 3_600_000);
    await page.reload();
    await expect(w.log.locator('[data-earlier="true"]')).toHaveCount(2);
    await page.clock.fastForward(3_600_000);
    await page.reload();
    await expect(w.launcher).toBeVisible();
    await w.launcher.click();
    await expect(w.log.locator('.empty')).toBeVisible();
    await expect(w.messages).toHaveCount(0);
    expect(await storedMessages(page)).toEqual([]);
  });
});
