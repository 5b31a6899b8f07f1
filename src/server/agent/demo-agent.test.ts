// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createDemoAgent, demoAnswer } from './demo-agent.js';

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
    const agent = createDemoAgent();
    const started = Date.now();
    const reply = await agent.reply({
      session: { id: 's', siteKey: 'demo', token: 't', createdAt: 0, lastActiveAt: 0, nextSeq: 2 },
      message: { id: 'm', author: 'visitor', text: 'pricing', at: 0, seq: 1 },
      url: 'http://127.0.0.1/',
      title: 'Home',
    });
    expect(reply?.text).toMatch(/three plans/);
    expect(Date.now() - started).toBeLessThan(100);
  });
});
