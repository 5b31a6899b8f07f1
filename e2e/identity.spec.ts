import { createHmac } from 'node:crypto';
import type { SessionIdentity } from '../src/protocol/index.js';
import { createTestServer, expect, openChat, say, test, widget } from './fixtures.js';

const SECRET = 'demo-identity-secret-0123';
/** What the site's backend computes for the page (README: identity verification). */
const userHash = (userId: string) => createHmac('sha256', SECRET).update(userId).digest('hex');

test('identify({ userId, userHash }): a right hash is verified, a wrong one refused with invalid_identity', async ({
  page,
}) => {
  /** The identity the agent received with each visitor message. */
  const received: (SessionIdentity | undefined)[] = [];
  const server = await createTestServer(
    { sites: new Map([['demo', { identitySecret: SECRET }]]) },
    {
      agent: {
        async reply({ session }) {
          received.push(session.identity);
          const { identity } = session;
          return {
            text: identity
              ? `You are ${identity.userId} (${identity.verified ? 'verified' : 'unverified'})`
              : 'I do not know you',
          };
        },
      },
    },
  );
  try {
    const w = await openChat(page, `${server.url}/`);
    await page.evaluate(
      async ({ userId, hash }) => {
        const errors: string[] = [];
        (window as unknown as { errors: string[] }).errors = errors;
        window.LeFlux!.on('error', (error) => errors.push(error.code));
        await window.LeFlux!.identify({ userId, userHash: hash });
      },
      { userId: 'u-42', hash: userHash('u-42') },
    );
    await say(page, 'who am I?');
    await expect(w.agentMessages).toHaveText(['You are u-42 (verified)']);
    expect(received).toEqual([{ userId: 'u-42', verified: true }]);

    // A hash for another user: refused, said through the error event, and nothing is lost.
    await page.evaluate(
      (hash) => window.LeFlux!.identify({ userId: 'admin', userHash: hash }),
      userHash('u-42'),
    );
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { errors: string[] }).errors))
      .toEqual(['invalid_identity']);
    await say(page, 'and now?');
    await expect(w.agentMessages).toHaveText([
      'You are u-42 (verified)',
      'You are u-42 (verified)',
    ]);
    expect(received).toEqual([
      { userId: 'u-42', verified: true },
      { userId: 'u-42', verified: true },
    ]);
    await expect(widget(page).visitorMessages).toHaveText(['who am I?', 'and now?']);
    // The hash never reaches browser storage.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(stored).not.toContain(userHash('u-42'));
  } finally {
    await server.close();
  }
});
