// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { resolveUrl, urlMatches } from './page-url.js';

describe('urlMatches', () => {
  it.each([
    ['/pricing.html', 'https://acme.test/pricing.html'],
    ['/pricing.html', 'https://acme.test/pricing.html?utm=chat#plans'],
    ['https://acme.test/pricing.html', 'https://acme.test/pricing.html'],
    ['/app', 'https://acme.test/app/'],
    ['/', 'https://acme.test/index.html'],
    ['/search?q=pro', 'https://acme.test/search?page=2&q=pro'],
    ['/pricing.html#pro', 'https://acme.test/pricing.html#pro'],
  ])('%s matches %s', (expected, actual) => {
    expect(urlMatches(expected, actual)).toBe(true);
  });

  it.each([
    ['/pricing.html', 'https://acme.test/contact.html'],
    ['https://acme.test/pricing.html', 'https://other.test/pricing.html'],
    ['https://acme.test/pricing.html', 'http://acme.test/pricing.html'],
    ['/search?q=pro', 'https://acme.test/search?q=free'],
    ['/pricing.html#pro', 'https://acme.test/pricing.html#free'],
    ['/pricing.html', 'not a url at all'],
  ])('%s does not match %s', (expected, actual) => {
    expect(urlMatches(expected, actual)).toBe(false);
  });
});

describe('resolveUrl', () => {
  it('resolves a path against the page, and refuses garbage', () => {
    expect(resolveUrl('/a', 'https://acme.test/b/c')?.href).toBe('https://acme.test/a');
    expect(resolveUrl('http://[bad', 'https://acme.test/')).toBeUndefined();
  });
});
