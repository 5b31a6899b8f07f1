import { createDemoAgent } from '../src/server/agent/demo-agent.js';
import { createTestServer, expect, openChat, say, storedRecord, test, widget } from './fixtures.js';

const INTERRUPTED = 'We got interrupted by a reload — what next?';

test('"show me pricing": the task navigates (a hard reload), resumes on the pricing page and finishes', async ({
  page,
  server,
}) => {
  const w = await openChat(page, `${server.url}/`);
  await say(page, 'show me pricing');
  await page.waitForURL('**/pricing.html');
  // After the reload the same task goes on: the Pro plan is marked and in view, the agent explains.
  const pro = page.locator('#plan-pro');
  await expect(pro).toHaveAttribute('data-leflux-highlight', '');
  expect(await pro.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  await expect(pro).toBeInViewport();
  await expect(w.agentMessages.last()).toContainText('The highlighted Pro plan is $29/month');
  // The task is over: no "agent is doing" line; the mark stays for what the agent said about it.
  await expect(w.dialog.locator('.activity')).toHaveCount(0);
  await expect(pro).toHaveAttribute('data-leflux-highlight', '');
  await expect(w.log.getByText(INTERRUPTED)).toHaveCount(0);
});

test('a visitor who lands on another page mid-task gets the interruption message', async ({
  page,
  server,
}) => {
  const w = await openChat(page, `${server.url}/`);
  // The visitor ends up somewhere else than where the task was going.
  await page.route(`${server.url}/pricing.html`, (route) =>
    route.fulfill({ status: 302, headers: { location: '/contact.html' } }),
  );
  await say(page, 'show me pricing');
  await page.waitForURL('**/contact.html');
  await expect(w.agentMessages.last()).toHaveText(INTERRUPTED);
  await expect(page.locator('[data-leflux-highlight]')).toHaveCount(0);
  await expect(w.dialog.locator('.activity')).toHaveCount(0);
});

test.describe('with a short task hold', () => {
  test.use({ serverConfig: { taskHoldMs: 800 } });

  test('nobody back within the hold: the task is aborted and the message waits in the history', async ({
    page,
    server,
  }) => {
    const chat = await openChat(page, `${server.url}/`);
    await say(page, 'hello');
    await expect(chat.agentMessages).toHaveCount(1);
    const session = await storedRecord<{ id: string; token: string }>(page, 'leflux:sessionId');
    // The navigation never arrives (the network drops it): the visitor is gone from the server's view.
    await page.route(`${server.url}/pricing.html`, (route) => route.abort());
    await say(page, 'show me pricing');
    // The widget answered the step and tried to leave; the browser shows its error page.
    await expect.poll(() => page.url()).toContain('chrome-error');
    await page.goto('about:blank');
    // The server decides from its stored deadline: poll the restore until the hold has run out.
    await expect
      .poll(
        async () => {
          const response = await page.request.post(`${server.url}/api/session/${session?.id}`, {
            data: { token: session?.token },
          });
          const body = (await response.json()) as {
            history: Array<{ text: string }>;
            task: unknown;
          };
          return { aborted: body.history.some((m) => m.text === INTERRUPTED), task: body.task };
        },
        { timeout: 10_000 },
      )
      .toEqual({ aborted: true, task: null });

    await page.unroute(`${server.url}/pricing.html`);
    await page.goto(`${server.url}/pricing.html`);
    const w = widget(page);
    await expect(w.agentMessages.last()).toHaveText(INTERRUPTED);
    // Coming back late does not restart the old task.
    await expect(page.locator('#plan-pro')).not.toHaveAttribute('data-leflux-highlight');
  });
});

test('"contact me": the agent asks with a small form, the questions survive a reload, the form is filled', async ({
  page,
  server,
}) => {
  const w = await openChat(page, `${server.url}/`);
  await say(page, 'contact me');
  await page.waitForURL('**/contact.html');
  await expect(w.agentMessages.last()).toHaveText('What is your name?');
  const nameInput = w.dialog.getByRole('textbox', { name: 'Your name' });
  await expect(nameInput).toBeVisible();

  // A reload while the agent waits: the question and its form are still there.
  await page.reload();
  await expect(w.agentMessages.last()).toHaveText('What is your name?');
  await nameInput.fill('Ada Lovelace');
  await nameInput.press('Enter');

  await expect(w.agentMessages.last()).toHaveText('Which email address should we use?');
  const email = w.dialog.getByRole('textbox', { name: 'Your email' });
  // The form checks the value before anything is sent.
  await email.fill('ada@');
  await w.dialog.getByRole('button', { name: 'Save' }).click();
  await expect(w.dialog.getByText('Your email: must be')).toBeVisible();
  await expect(w.visitorMessages.last()).toHaveText('Ada Lovelace');
  await email.fill('ada@example.com');
  await email.press('Enter');

  await expect(w.agentMessages.last()).toHaveText('And your phone number?');
  await w.dialog.getByRole('textbox', { name: 'Your phone' }).fill('+44 20 7946 0000');
  await w.dialog.getByRole('button', { name: 'Save' }).click();

  await expect(w.agentMessages.last()).toContainText('the contact form is filled in');
  await expect(page.locator('#name')).toHaveValue('Ada Lovelace');
  await expect(page.locator('#email')).toHaveValue('ada@example.com');
  await expect(page.locator('#phone')).toHaveValue('+44 20 7946 0000');
  // Kept for 30 days: a returning visitor is not asked again.
  expect(await storedRecord(page, 'leflux:user')).toMatchObject({
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    phone: '+44 20 7946 0000',
  });
  await page.goto(`${server.url}/`);
  await expect(w.agentMessages.last()).toContainText('the contact form is filled in');
  const agentBefore = await w.agentMessages.count();
  await say(page, 'contact me');
  await page.waitForURL('**/contact.html');
  await expect(page.locator('#email')).toHaveValue('ada@example.com');
  await expect(w.agentMessages.last()).toContainText('the contact form is filled in');
  const asked = await w.agentMessages.allInnerTexts();
  expect(asked.slice(agentBefore).filter((t) => t.endsWith('?'))).toEqual([]);
});

test('a step whose selector matches nothing fails, and the agent says so', async ({ page }) => {
  const demo = createDemoAgent();
  const server = await createTestServer(
    {},
    {
      agent: {
        reply: async (context) =>
          context.message.text === 'highlight the enterprise plan'
            ? {
                task: {
                  label: 'Showing the Enterprise plan',
                  steps: [
                    {
                      type: 'highlight',
                      selector: '#plan-enterprise',
                      label: 'Highlighting Enterprise',
                    },
                  ],
                },
              }
            : demo.reply(context),
      },
    },
  );
  try {
    const w = await openChat(page, `${server.url}/pricing.html`);
    await say(page, 'highlight the enterprise plan');
    await expect(w.agentMessages.last()).toContainText('could not finish that');
    await expect(w.agentMessages.last()).toContainText('no element matches #plan-enterprise');
    await expect(w.dialog.locator('.activity')).toHaveCount(0);
  } finally {
    await server.close();
  }
});
