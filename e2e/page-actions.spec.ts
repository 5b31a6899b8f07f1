import { clientMessages, clientReady, startChaosServer } from './chaos/chaos.js';
import { expect, test } from './fixtures.js';

test('an agent step that targets the chat widget itself fails, and the chat is untouched', async ({
  page,
}) => {
  const chaos = await startChaosServer({
    agent: {
      reply: async () => ({
        task: { label: 'closing your chat', steps: [{ type: 'click', selector: 'leflux-widget' }] },
      }),
    },
  });
  try {
    await page.goto(`${chaos.url}/`);
    await clientReady(page);
    await page.evaluate(() => window.LeFlux?.open());
    const dialog = page.getByRole('dialog', { name: 'LeFlux help' });
    await expect(dialog).toBeVisible();
    const clicks = await page.evaluate(() => {
      const counted = { n: 0 };
      document
        .querySelector('leflux-widget')
        ?.addEventListener('click', () => counted.n++, { capture: true });
      Object.assign(window, { widgetClicks: counted });
      return counted.n;
    });
    await page.evaluate(() => window.LeFlux?.send('close my chat'));
    await expect
      .poll(
        async () => (await clientMessages(page)).filter((m) => m.author === 'agent').at(-1)?.text,
      )
      .toContain('the chat is not a target');
    expect(
      await page.evaluate(
        () => (window as unknown as { widgetClicks: { n: number } }).widgetClicks.n,
      ),
    ).toBe(clicks);
    await expect(dialog).toBeVisible();
  } finally {
    await chaos.close();
  }
});
