import { ADMIN_KEY } from './cluster.js';
import { clusterTest as test } from './cluster-test.js';
import { expect, openChat, say, storedRecord } from './fixtures.js';

/**
 * The dashboard on two LeFlux nodes (child processes of the CLI) on one Redis and one PostgreSQL:
 * the operator's browser on node 1, the visitor's tab on node 2 through the round-robin proxy.
 */
test('an operator on node 1 sees live, answers and takes over a conversation whose tab is on node 2; Hand back gives it back to the agent', async ({
  browser,
  page,
  cluster,
}) => {
  const [one, two] = cluster.nodes;
  cluster.proxy.prefer(two.port);
  const operatorContext = await browser.newContext();
  const operator = await operatorContext.newPage();
  await operator.goto(`${one.url}/dashboard/demo`);
  await operator.getByLabel('Admin key').fill(ADMIN_KEY);
  await operator.getByRole('button', { name: 'Sign in' }).click();
  await expect(operator.getByRole('navigation', { name: 'Sections' })).toBeVisible();

  const w = await openChat(page, `${cluster.url}/pricing.html`);
  await say(page, 'Is anyone there?');
  await expect(w.agentMessages).toHaveCount(1);
  expect(await cluster.nodeWithSocket()).toBe(two);
  await expect
    .poll(async () => (await storedRecord<{ id: string }>(page, 'leflux:sessionId'))?.id)
    .toBeDefined();
  const sessionId = (await storedRecord<{ id: string }>(page, 'leflux:sessionId'))?.id as string;

  // Live on node 1's list, with nobody reloading it.
  const row = operator.locator(`[data-session-id="${sessionId}"]`);
  await expect(row).toContainText('Live');
  await row.getByRole('link').click();
  const messages = operator.locator('[data-message-id]');
  await expect(messages).toHaveCount(2);

  await operator.getByRole('button', { name: 'Take over' }).click();
  await expect(operator.getByRole('button', { name: 'Hand back' })).toBeVisible();
  await say(page, 'I would rather talk to a person.');
  await expect(messages.filter({ hasText: 'I would rather talk to a person.' })).toBeVisible();
  await operator.getByRole('textbox', { name: 'Your name' }).fill('Lin');
  await operator.getByRole('textbox', { name: 'Reply' }).fill('Lin here, from node 1.');
  await operator.getByRole('button', { name: 'Send reply' }).click();
  const reply = w.agentMessages.filter({ hasText: 'Lin here, from node 1.' });
  await expect(reply).toBeVisible();
  await expect(reply.locator('[data-part="author-name"]')).toHaveText('Lin');
  // The demo agent stayed silent: the visitor's question while taken over got only Lin's answer.
  await expect(w.agentMessages).toHaveCount(2);
  await expect(cluster.logRows(sessionId)).resolves.toHaveLength(4);

  await operator.getByRole('button', { name: 'Hand back' }).click();
  await expect(operator.getByRole('button', { name: 'Take over' })).toBeVisible();
  await say(page, 'What does the pro plan cost?');
  await expect(w.agentMessages).toHaveCount(3);
  await operatorContext.close();
});
