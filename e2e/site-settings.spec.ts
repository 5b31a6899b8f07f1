import { parseSiteSettings } from '../src/server/site-settings.js';
import { expect, openChat, say, test } from './fixtures.js';

const HOUR = 3_600_000;

test.describe('a site that keeps sessions 1 hour and contact details 2 days', () => {
  test.use({
    serverConfig: {
      sites: parseSiteSettings('{"demo": {"sessionHours": 1, "userDays": 2}}', 'sites.json'),
    },
  });

  test('the browser keeps its records for the site’s shorter lifetimes', async ({
    page,
    server,
  }) => {
    await page.clock.install();
    const w = await openChat(page, `${server.url}/`);
    await page.evaluate(() => window.LeFlux?.identify({ name: 'Ada' }));
    await say(page, 'hello');
    await expect(w.agentMessages).toHaveCount(1);
    const lifetime = (key: string) =>
      page.evaluate(
        (k) => JSON.parse(localStorage.getItem(k) ?? 'null')?.expiresAt - Date.now(),
        key,
      );
    await expect.poll(() => lifetime('leflux:sessionId')).toBeLessThanOrEqual(HOUR);
    expect(await lifetime('leflux:sessionId')).toBeGreaterThan(HOUR - 60_000);
    expect(await lifetime('leflux:user')).toBeLessThanOrEqual(48 * HOUR);

    // An hour and a bit later (nothing written meanwhile), the conversation is gone.
    await page.goto('about:blank');
    await page.clock.fastForward(HOUR + 60_000);
    await page.goto(`${server.url}/`);
    await w.launcher.click();
    await expect(w.log.locator('.empty')).toBeVisible();
    await expect(w.messages).toHaveCount(0);
  });
});

test.describe('a site that only allows another origin', () => {
  test.use({
    serverConfig: {
      sites: parseSiteSettings(
        '{"demo": {"allowedOrigins": ["https://shop.example"]}}',
        'sites.json',
      ),
    },
  });

  test('the widget on a page of another origin says it was refused, and marks the message not sent', async ({
    page,
    server,
  }) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const w = await openChat(page, `${server.url}/`);
    await say(page, 'hello');
    await expect(w.visitorMessages.first()).toHaveAttribute('data-status', 'failed');
    await expect(w.visitorMessages.first().getByText('Not sent')).toBeVisible();
    await expect(w.agentMessages).toHaveCount(0);
    expect(errors.filter((e) => e.includes('refused this page'))).toHaveLength(1);
  });
});
