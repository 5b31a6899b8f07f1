import { expect, openChat, say, storedRecord, test, widget } from './fixtures.js';

test('the draft survives a reload and a navigation, shows in the other tabs as the visitor types, and sending clears it everywhere', async ({
  context,
  server,
}) => {
  const a = await context.newPage();
  const wa = await openChat(a, `${server.url}/`);
  await say(a, 'hello');
  await expect(wa.agentMessages).toHaveCount(1);
  const b = await context.newPage();
  await b.goto(`${server.url}/pricing.html`);
  const wb = widget(b);
  await expect(wb.messages).toHaveCount(2);

  // Typed key by key in A, it shows in B as it grows.
  await wa.input.pressSequentially('I would like');
  await expect(wb.input).toHaveValue('I would like');
  await wa.input.pressSequentially(' to ask');
  await expect(wb.input).toHaveValue('I would like to ask');
  expect(await storedRecord(a, 'leflux:widget')).toMatchObject({
    open: true,
    draft: 'I would like to ask',
  });

  await a.reload();
  await expect(wa.input).toHaveValue('I would like to ask');
  await a.goto(`${server.url}/contact.html`);
  await expect(wa.input).toHaveValue('I would like to ask');

  // Finished and sent in B: the composer is empty in every tab, and after a reload.
  await wb.input.pressSequentially(' about plans');
  await expect(wa.input).toHaveValue('I would like to ask about plans');
  await wb.input.press('Enter');
  await expect(wb.visitorMessages.last()).toHaveText('I would like to ask about plans');
  await expect(wb.input).toHaveValue('');
  await expect(wa.input).toHaveValue('');
  await a.reload();
  await expect(wa.messages).toHaveCount(4);
  await expect(wa.input).toHaveValue('');
  expect(await storedRecord(a, 'leflux:widget')).toEqual({ open: true });
});
