import type { Passage } from './page-text.js';

/** One crawled page of the site, as the agent's context holds it. */
export interface CrawledPage {
  /** Path and query on the site, e.g. `/pricing.html` (the crawl origin is not the visitor's). */
  url: string;
  /** How to name the page to a visitor (its `<h1>`, else its `<title>`). */
  title: string;
  passages: Passage[];
}

export interface SiteSearchResult {
  url: string;
  title: string;
  /** The best matching passage: its heading, then its text, shortened. */
  snippet: string;
}

/**
 * The site's crawled pages and a keyword search over them, for agents. Empty until the
 * crawl finished (or when crawling is off).
 */
export interface SiteContext {
  pages(): readonly CrawledPage[];
  /** Passages best matching `query`'s keywords, best first; `[]` when nothing matches. */
  search(query: string, limit?: number): SiteSearchResult[];
}

const STOPWORDS = new Set(
  (
    'a about after all also am an and any are as at be been but by can could did do does for ' +
    'from get got had has have he her his how i if in into is it its just me more most my no ' +
    'not of on or our out please show so some tell than that the their them then there these ' +
    'they this those to too us was we were what when where which who why will with would you your'
  ).split(' '),
);

const MAX_SNIPPET = 240;

/** Lower-case keywords without stopwords; a plural `s` is dropped so "plans" finds "plan". */
export function keywords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((word) => !STOPWORDS.has(word))
    .map((word) =>
      word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word,
    );
}

/**
 * A short passage whole, as `Heading: text`; from a long one, the sentence with the most
 * query keywords and what follows it, up to `MAX_SNIPPET` characters.
 */
function snippetOf({ heading, text }: Passage, wanted: readonly string[]): string {
  const full = heading !== '' && text !== '' ? `${heading}: ${text}` : heading || text;
  if (full.length <= MAX_SNIPPET) return full;
  const sentences = text.match(/[^.!?]+[.!?]*/g)?.map((s) => s.trim()) ?? [text];
  const hits = sentences.map((sentence) => {
    const words = new Set(keywords(sentence));
    return wanted.filter((word) => words.has(word)).length;
  });
  const best = hits.indexOf(Math.max(...hits));
  let snippet = '';
  for (const sentence of sentences.slice(Math.max(best, 0))) {
    if (snippet !== '' && snippet.length + sentence.length + 1 > MAX_SNIPPET) break;
    snippet = snippet === '' ? sentence : `${snippet} ${sentence}`;
  }
  return snippet.length <= MAX_SNIPPET
    ? snippet
    : `${snippet.slice(0, MAX_SNIPPET).replace(/\s+\S*$/, '')}…`;
}

/** A passage with its keywords, computed once per crawl rather than on every query. */
interface IndexedPassage {
  page: CrawledPage;
  passage: Passage;
  heading: ReadonlySet<string>;
  body: ReadonlySet<string>;
}

/** The site's passages, tokenised, and in how many passages each keyword occurs. */
export interface SiteIndex {
  passages: readonly IndexedPassage[];
  /** Document frequency: passages whose heading or text holds the keyword. */
  df: ReadonlyMap<string, number>;
}

/**
 * Tokenises every passage once. A query then costs its own keywords and one pass over the
 * passages' sets, instead of re-reading the site's text (that was a sixth of the server's
 * time per chat message under load).
 *
 * @example
 * const index = indexSite(pages);
 * searchIndex(index, 'pro plan');
 */
export function indexSite(pages: readonly CrawledPage[]): SiteIndex {
  const df = new Map<string, number>();
  const passages = pages.flatMap((page) =>
    page.passages.map((passage) => {
      const indexed = {
        page,
        passage,
        heading: new Set(keywords(passage.heading)),
        body: new Set(keywords(passage.text)),
      };
      for (const word of new Set([...indexed.heading, ...indexed.body])) {
        df.set(word, (df.get(word) ?? 0) + 1);
      }
      return indexed;
    }),
  );
  return { passages, df };
}

/**
 * Keyword search over an index: each query keyword a passage contains scores its rarity
 * across the site (idf), twice when it is in the passage's heading. Ties keep page order.
 */
export function searchIndex(index: SiteIndex, query: string, limit = 3): SiteSearchResult[] {
  const asked = [...new Set(keywords(query))];
  // Keywords no passage holds score nothing; snippets still weigh every asked keyword.
  const wanted = asked.filter((word) => index.df.has(word));
  if (wanted.length === 0) return [];
  const total = index.passages.length;
  const idf = wanted.map((word) => Math.log(1 + total / Math.max(index.df.get(word) ?? 0, 1)));
  const scored: { c: IndexedPassage; score: number }[] = [];
  for (const c of index.passages) {
    let score = 0;
    for (let i = 0; i < wanted.length; i++) {
      const word = wanted[i]!;
      const weight = (c.heading.has(word) ? 2 : 0) + (c.body.has(word) ? 1 : 0);
      if (weight > 0) score += idf[i]! * weight;
    }
    if (score > 0) scored.push({ c, score });
  }
  return scored
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map(({ c }) => ({
      url: c.page.url,
      title: c.page.title,
      snippet: snippetOf(c.passage, asked),
    }));
}

/**
 * Keyword search over passages (see `searchIndex`); indexes `pages` on every call, so a
 * caller searching the same pages repeatedly should hold an index or a `SiteContext`.
 *
 * @example
 * searchSite(pages, 'what does the pro plan cost?')[0]
 * // { url: '/pricing.html', title: 'Pricing', snippet: 'Pro: $29 per month. Five sites, …' }
 */
export function searchSite(
  pages: readonly CrawledPage[],
  query: string,
  limit = 3,
): SiteSearchResult[] {
  return searchIndex(indexSite(pages), query, limit);
}

/**
 * A `SiteContext` whose pages the crawler fills in when it is done.
 *
 * @example
 * const site = createSiteContext();
 * site.replace(await crawlSite({ origin })); // later
 * site.search('pro plan');
 */
export function createSiteContext(
  initial: readonly CrawledPage[] = [],
): SiteContext & { replace(pages: readonly CrawledPage[]): void } {
  let pages = initial;
  let index = indexSite(pages);
  return {
    pages: () => pages,
    search: (query, limit) => searchIndex(index, query, limit),
    replace(next) {
      pages = next;
      index = indexSite(next);
    },
  };
}
