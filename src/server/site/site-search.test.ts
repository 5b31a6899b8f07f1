// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  type CrawledPage,
  createSiteContext,
  indexSite,
  keywords,
  searchIndex,
  searchSite,
} from './site-search.js';

const PAGES: CrawledPage[] = [
  {
    url: '/',
    title: 'Home',
    passages: [
      {
        heading: 'Welcome',
        text: `${'LeFlux keeps conversations alive across reloads and closed tabs. '.repeat(4)}Our support team answers Monday to Friday.`,
      },
    ],
  },
  {
    url: '/pricing.html',
    title: 'Pricing',
    passages: [
      { heading: 'Free', text: '$0 per month. One site.' },
      { heading: 'Pro', text: '$29 per month. Five sites, agent tasks.' },
      { heading: 'Business', text: '$99 per month. Priority support.' },
    ],
  },
];

describe('searchSite', () => {
  it('finds the passage whose heading names the keyword, with page and snippet', () => {
    expect(searchSite(PAGES, 'What does the Pro plan cost?')).toEqual([
      {
        url: '/pricing.html',
        title: 'Pricing',
        snippet: 'Pro: $29 per month. Five sites, agent tasks.',
      },
    ]);
  });

  it('ranks by keyword rarity and limits the results', () => {
    const results = searchSite(PAGES, 'priority support');
    expect(results.map((r) => r.snippet)).toEqual([
      'Business: $99 per month. Priority support.',
      'Our support team answers Monday to Friday.',
    ]);
    expect(searchSite(PAGES, 'priority support', 1)).toHaveLength(1);
  });

  it('from a long passage, quotes the sentence that matches', () => {
    const [home] = searchSite(PAGES, 'when does the team answer?');
    expect(home).toMatchObject({ url: '/', snippet: 'Our support team answers Monday to Friday.' });
  });

  it('finds nothing for stopwords or unknown words', () => {
    expect(searchSite(PAGES, 'what is the')).toEqual([]);
    expect(searchSite(PAGES, 'blue elephants')).toEqual([]);
  });

  it('keywords drop stopwords and a plural s', () => {
    expect(keywords('Show me the Plans, please! Business class')).toEqual([
      'plan',
      'business',
      'class',
    ]);
  });
});

describe('searchIndex', () => {
  it('answers as searching the pages afresh does', () => {
    const index = indexSite(PAGES);
    for (const query of ['pro plan', 'priority support', 'when does the team answer?', 'zzz', '']) {
      expect(searchIndex(index, query)).toEqual(searchSite(PAGES, query));
    }
    expect(index.df.get('support')).toBe(2);
  });
});

describe('createSiteContext', () => {
  it('is empty until the crawl replaces its pages', () => {
    const site = createSiteContext();
    expect(site.search('pro')).toEqual([]);
    site.replace(PAGES);
    expect(site.pages()).toBe(PAGES);
    expect(site.search('pro')[0]?.url).toBe('/pricing.html');
  });
});
