import { extractPageText } from './page-text.js';
import type { CrawledPage } from './site-search.js';

export interface CrawlOptions {
  /** The only origin fetched, e.g. `http://127.0.0.1:8787`. Links elsewhere are ignored. */
  origin: string;
  /** Paths to start from. Default the demo's `/`, `/pricing.html`, `/contact.html`, `/app/`. */
  seeds?: readonly string[];
  /** Pages fetched at most (counting failures). Default 50. */
  maxPages?: number;
  /** Bytes read per page at most; the rest is ignored. Default 1 MiB. */
  maxBytes?: number;
  /** Per-page time limit. Default 5 s. */
  timeoutMs?: number;
  /** Stops the crawl (server shutdown); resolves with what was crawled so far. */
  signal?: AbortSignal;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
}

export interface CrawlResult {
  pages: CrawledPage[];
  /** Pages that could not be read, with why; for the log. */
  failed: { url: string; reason: string }[];
}

export const DEMO_SEEDS = ['/', '/pricing.html', '/contact.html', '/app/'] as const;

/** Paths of the server itself, never pages of the site. */
const NOT_PAGES = /^\/(api|socket\.io)\/|^\/widget\.js/;
/** Paths that look like files other than HTML. */
const NOT_HTML = /\.(?!html?$)[a-z0-9]{1,5}$/i;

async function readBounded(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBytes));
}

/**
 * Crawls one origin breadth-first from `seeds`, following same-origin links, and keeps each
 * HTML page's visible text. Bounded in pages, bytes and time; a page that fails is skipped.
 * Pages with the same text as an earlier one (an SPA's routes) are kept once.
 *
 * @example
 * const { pages } = await crawlSite({ origin: 'http://127.0.0.1:8787' });
 */
export async function crawlSite(options: CrawlOptions): Promise<CrawlResult> {
  const {
    seeds = DEMO_SEEDS,
    maxPages = 50,
    maxBytes = 1024 * 1024,
    timeoutMs = 5000,
    signal,
    fetch: fetchPage = fetch,
  } = options;
  const origin = new URL(options.origin).origin;
  const queue: string[] = [];
  const seen = new Set<string>();
  const texts = new Set<string>();
  const result: CrawlResult = { pages: [], failed: [] };

  const enqueue = (href: string, base: string) => {
    let url: URL;
    try {
      url = new URL(href, base);
    } catch {
      return;
    }
    if (url.origin !== origin || NOT_PAGES.test(url.pathname) || NOT_HTML.test(url.pathname)) {
      return;
    }
    const path = url.pathname + url.search;
    if (seen.has(path)) return;
    seen.add(path);
    queue.push(path);
  };
  for (const seed of seeds) enqueue(seed, origin);

  let fetched = 0;
  while (queue.length > 0 && fetched < maxPages && !signal?.aborted) {
    const path = queue.shift()!;
    fetched++;
    try {
      const timeout = AbortSignal.timeout(timeoutMs);
      const res = await fetchPage(origin + path, {
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        headers: { accept: 'text/html' },
        redirect: 'follow',
      });
      const finalUrl = new URL(res.url || origin + path);
      if (finalUrl.origin !== origin) throw new Error('redirected off the site');
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      if (!/^text\/html\b/i.test(res.headers.get('content-type') ?? '')) {
        await res.body?.cancel();
        continue;
      }
      const page = extractPageText(await readBounded(res, maxBytes));
      const base = finalUrl.href;
      for (const link of page.links) enqueue(link, base);
      const fingerprint = page.passages.map((p) => `${p.heading}\n${p.text}`).join('\n');
      if (texts.has(fingerprint)) continue;
      texts.add(fingerprint);
      result.pages.push({
        url: finalUrl.pathname + finalUrl.search,
        title: page.name || finalUrl.pathname,
        passages: page.passages,
      });
    } catch (error) {
      if (signal?.aborted) break;
      result.failed.push({
        url: path,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return result;
}
