import type { Page } from '@playwright/test';
import { expect, say, test, widget } from './fixtures.js';

/** Computed styles of the widget's parts that a hostile page would most like to change. */
async function widgetLooks(page: Page) {
  const w = widget(page);
  const pick = (el: Element) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return {
      font: `${s.fontFamily} ${s.fontSize} ${s.lineHeight}`,
      color: s.color,
      background: s.backgroundColor,
      border: s.borderTopWidth,
      padding: s.paddingTop,
      display: s.display,
      direction: s.direction,
      align: s.textAlign,
      size: `${Math.round(r.width)}x${Math.round(r.height)}`,
    };
  };
  const launcher = await w.launcher.evaluate(pick);
  await w.launcher.click();
  await say(page, 'hello');
  await expect(w.agentMessages).toHaveCount(1);
  return {
    launcher,
    dialog: await w.dialog.evaluate(pick),
    header: await page.locator('[data-part="header"]').evaluate(pick),
    input: await w.input.evaluate(pick),
    agentBubble: await w.agentMessages.first().locator('.bubble').evaluate(pick),
    visitorBubble: await w.visitorMessages.first().locator('.bubble').evaluate(pick),
    // Where things sit inside the window: visitor on the right, agent on the left.
    layout: await w.dialog.evaluate((dialog) => {
      const left = (selector: string) =>
        Math.round(
          (dialog.querySelector(selector)?.getBoundingClientRect().left ?? Number.NaN) -
            dialog.getBoundingClientRect().left,
        );
      return {
        visitor: left('[data-author="visitor"] .bubble'),
        agent: left('[data-author="agent"] .bubble'),
        close: left('[aria-label="Close chat"]'),
      };
    }),
  };
}

test('a hostile host stylesheet does not change how the widget looks', async ({ page, server }) => {
  await page.goto(`${server.url}/`);
  const normal = await widgetLooks(page);

  await page.evaluate(() => localStorage.clear());
  await page.goto(`${server.url}/hostile.html`);
  // The page's own content really is restyled…
  expect(await page.locator('h1').evaluate((el) => getComputedStyle(el).fontSize)).toBe('31px');
  // …but the widget is not.
  expect(await widgetLooks(page)).toEqual(normal);
  expect(normal.input.font).toContain('15px');
});
