// @vitest-environment node
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { crawlSite } from './site-crawler.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise((done) => s.close(done).closeAllConnections())),
  );
});

/** Serves `pages` (path -> [content type, body]); records every path requested. */
async function site(pages: Record<string, [string, string]>) {
  const requested: string[] = [];
  const server = createServer((req, res) => {
    requested.push(req.url ?? '');
    const page = pages[req.url ?? ''];
    if (!page) return void res.writeHead(404).end('missing');
    if (page[0] === 'redirect') return void res.writeHead(302, { location: page[1] }).end();
    res.writeHead(200, { 'content-type': page[0] }).end(page[1]);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, requested };
}

const html = (title: string, body: string): [string, string] => [
  'text/html; charset=utf-8',
  `<title>Site — ${title}</title><h1>${title}</h1>${body}`,
];

describe('crawlSite', () => {
  it('follows same-origin links from the seeds, skipping other origins, files and our own routes', async () => {
    const { origin, requested } = await site({
      '/': html('Home', '<a href="/a.html">A</a><a href="https://elsewhere.test/">x</a>'),
      '/a.html': html(
        'A',
        '<a href="b.html#part">B</a><a href="/logo.png">logo</a><a href="/api/session/x">api</a><a href="mailto:x@y.z">m</a>',
      ),
      '/b.html': html('B', '<p>Deep page</p><nav><a href="/">home</a></nav>'),
    });
    const { pages, failed } = await crawlSite({ origin, seeds: ['/'] });
    expect(pages.map((p) => [p.url, p.title])).toEqual([
      ['/', 'Home'],
      ['/a.html', 'A'],
      ['/b.html', 'B'],
    ]);
    expect(pages[2]?.passages).toEqual([{ heading: 'B', text: 'Deep page' }]);
    expect(failed).toEqual([]);
    expect(requested.sort()).toEqual(['/', '/a.html', '/b.html']);
  });

  it('reports missing pages, skips non-HTML and keeps duplicate texts once', async () => {
    const spa = html('App', '<p>Same shell</p><a href="/app/settings">s</a>');
    const { origin } = await site({
      '/': html('Home', '<a href="/data.json">d</a><a href="/gone">g</a><a href="/app/">app</a>'),
      '/data': ['application/json', '{}'],
      '/app/': spa,
      '/app/settings': spa,
      '/moved': ['redirect', 'https://elsewhere.test/'],
    });
    const { pages, failed } = await crawlSite({ origin, seeds: ['/', '/data', '/moved'] });
    expect(pages.map((p) => p.url)).toEqual(['/', '/app/']);
    expect(failed.map((f) => f.url).sort()).toEqual(['/gone', '/moved']);
  });

  it('stops at maxPages and when aborted', async () => {
    const chain: Record<string, [string, string]> = {};
    for (let i = 0; i < 10; i++) chain[`/${i}`] = html(`P${i}`, `<a href="/${i + 1}">next</a>`);
    const { origin } = await site(chain);
    expect((await crawlSite({ origin, seeds: ['/0'], maxPages: 3 })).pages).toHaveLength(3);
    const stop = new AbortController();
    stop.abort();
    expect(await crawlSite({ origin, seeds: ['/0'], signal: stop.signal })).toEqual({
      pages: [],
      failed: [],
    });
  });
});
