// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { extractPageText } from './page-text.js';

describe('extractPageText', () => {
  it('cuts visible text into passages at headings, names the page, lists links', () => {
    const page = extractPageText(`<!doctype html>
      <html><head><title>Acme &mdash; Pricing</title><style>h2 { color: red }</style></head>
      <body>
        <header><a href="/">Home</a><nav><a href="/pricing.html">Pricing</a></nav></header>
        <h1>Our <em>plans</em></h1>
        <p>Pick one.</p>
        <section><h2>Pro</h2><p><strong>$29</strong> per month</p><p>Five sites &amp; more</p></section>
        <!-- <h2>Secret</h2> -->
        <script>document.write('<h2>Injected</h2>')</script>
        <footer>© Acme <a href='/legal'>Legal</a></footer>
      </body></html>`);
    expect(page.title).toBe('Acme — Pricing');
    expect(page.name).toBe('Pricing');
    expect(page.passages).toEqual([
      { heading: 'Our plans', text: 'Pick one.' },
      { heading: 'Pro', text: '$29 per month. Five sites & more' },
    ]);
    expect(page.links).toEqual(['/', '/pricing.html', '/legal']);
  });

  it('names a page by its h1 when the title has no parts, and copes with broken markup', () => {
    const page = extractPageText(
      '<title>Welcome</title><h1>Hello &#x1F44B;</h1> a < b <p>unclosed',
    );
    expect(page.name).toBe('Hello 👋');
    expect(page.passages).toEqual([{ heading: 'Hello 👋', text: 'a < b. unclosed' }]);
    expect(extractPageText('<h1>Only heading</h1>').name).toBe('Only heading');
    expect(extractPageText('').passages).toEqual([]);
  });
});
