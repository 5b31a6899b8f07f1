// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { type ContactDetails, validateTaskStep } from '../../protocol/index.js';
import { extractPageText } from '../site/page-text.js';
import { createSiteContext, type SiteContext } from '../site/site-search.js';
import { createMemorySessionStore } from '../stores/memory-store.js';
import { createDemoAgent, demoAnswer } from './demo-agent.js';
import { sessionData } from './session-data.js';

describe('demo agent', () => {
  it.each([
    ['How much does it cost?', /Free \(\$0\), Pro \(\$29\/month\) and Business \(\$99\/month\)/],
    ['what plans do you have', /three plans/],
    ['Tell me about the Pro plan', /Pro plan costs \$29\/month/],
    ['business?', /\$99\/month/],
    ['Is there a free tier', /\$0/],
    ['How can I contact you?', /\/contact\.html/],
    ['what is this', /chat widget/],
    ['What are your hours?', /Monday to Friday/],
  ])('answers %j', (question, answer) => {
    expect(demoAnswer(question)).toMatch(answer);
  });

  it('greets, and greets before answering a question', () => {
    expect(demoAnswer('Hello')).toMatch(/^Hi! I am the LeFlux demo assistant/);
    expect(demoAnswer('hi, what does pro cost?')).toMatch(/^Hi! The Pro plan/);
  });

  it('says when it did not understand and what it can answer', () => {
    expect(demoAnswer('blue elephants')).toMatch(/did not understand.*pricing/);
    // "pro" inside another word is not the plan.
    expect(demoAnswer('a problem with my product')).toMatch(/did not understand/);
  });

  it('replies through the Agent interface at once', async () => {
    const started = Date.now();
    const reply = await ask('pricing');
    expect(reply?.text).toMatch(/three plans/);
    expect(reply?.task).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(100);
  });
});

const PRICING_HTML = `<!doctype html><title>LeFlux demo — Pricing</title>
  <header><a href="/">Home</a> Pro</header><h1>Pricing</h1>
  <section id="plan-pro"><h2>Pro</h2><p><strong>$29</strong> per month</p><p>Five sites.</p></section>
  <section id="plan-business"><h2>Business</h2><p><strong>$99</strong> per month</p><p>Redis scale-out.</p></section>`;

function crawled(): SiteContext {
  return createSiteContext([
    { url: '/pricing.html', title: 'Pricing', passages: extractPageText(PRICING_HTML).passages },
  ]);
}

async function ask(
  text: string,
  {
    site = createSiteContext() as SiteContext,
    url = 'http://127.0.0.1/',
    contact = {} as ContactDetails,
  } = {},
) {
  const store = createMemorySessionStore({ idleTtlMs: 60_000 });
  const session = await store.sessions.create('demo');
  await store.visitors.save(session.id, contact);
  return createDemoAgent().reply({
    session,
    message: { id: 'm', author: 'visitor', text, at: 0, seq: 1 },
    history: [],
    page: { url, title: 'Home' },
    site,
    data: sessionData(store, session),
    signal: new AbortController().signal,
    typing: () => {},
    post: async () => {},
  });
}

describe('demo agent tasks', () => {
  it('"show me pricing": opens the pricing page, highlights Pro, says something', async () => {
    const reply = await ask('Show me pricing');
    expect(reply?.text).toMatch(/show you our plans/);
    expect(reply?.task?.steps.map((s) => s.type)).toEqual(['navigate', 'highlight', 'say']);
    expect(reply?.task?.steps[0]).toMatchObject({
      url: '/pricing.html',
      expectUrl: '/pricing.html',
    });
    expect(reply?.task?.steps[1]).toMatchObject({ selector: '#plan-pro' });
  });

  it('skips the navigation when the visitor is already on the page', async () => {
    const reply = await ask('show me the plans', { url: 'http://127.0.0.1/pricing.html?x=1' });
    expect(reply?.task?.steps.map((s) => s.type)).toEqual(['highlight', 'say']);
  });

  it('"contact me": asks only for missing details, then fills every field', async () => {
    const reply = await ask('Please contact me', { contact: { name: 'Ada' } });
    const steps = reply?.task?.steps ?? [];
    expect(steps.map((s) => s.type)).toEqual([
      'navigate',
      'ask',
      'ask',
      'fill',
      'fill',
      'fill',
      'say',
    ]);
    expect(steps.filter((s) => s.type === 'ask')).toMatchObject([
      { scope: 'contact', field: 'email' },
      { scope: 'contact', field: 'phone' },
    ]);
    expect(steps.filter((s) => s.type === 'fill')).toMatchObject([
      { selector: '#name', field: 'name' },
      { selector: '#email', field: 'email' },
      { selector: '#phone', field: 'phone' },
    ]);
    // Asking how to contact the team is a question, not a task.
    expect((await ask('How can I contact you?'))?.task).toBeUndefined();
  });

  it('every planned step passes the protocol validator', async () => {
    for (const text of ['show me pricing', 'contact me']) {
      for (const step of (await ask(text))?.task?.steps ?? []) {
        expect(validateTaskStep(step)).toMatchObject({ ok: true, value: step });
      }
    }
  });
});

describe('demo agent answers from the crawled site', () => {
  it('answers a plan question from its section, naming the page', async () => {
    const reply = await ask('what does the pro plan cost?', { site: crawled() });
    expect(reply?.text).toBe('Pro: $29 per month. Five sites (from Pricing, /pricing.html).');
  });

  it('answers what no topic covers from the site', async () => {
    const reply = await ask('Can it scale out with Redis?', { site: crawled() });
    expect(reply?.text).toMatch(/^Business: \$99 per month.*\(from Pricing, \/pricing\.html\)\.$/);
  });

  it('falls back to its topics without a crawl, and never searches a bare greeting', async () => {
    expect((await ask('what does the pro plan cost?'))?.text).toMatch(/Pro plan costs \$29\/month/);
    expect((await ask('Hello', { site: crawled() }))?.text).toMatch(/^Hi! I am the LeFlux demo/);
    expect((await ask('blue elephants', { site: crawled() }))?.text).toMatch(/did not understand/);
  });
});
