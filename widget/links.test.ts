import { describe, expect, it } from 'vitest';
import { linkify } from './links.js';

const ORIGIN = 'https://acme.test';
const link = (href: string, external = false, text = href) => ({ href, text, external });

describe('linkify', () => {
  it('makes http and https URLs links, same-origin or not, and keeps the rest as text', () => {
    expect(
      linkify('See https://acme.test/pricing or http://other.test/a?b=1#c now', ORIGIN),
    ).toEqual([
      'See ',
      link('https://acme.test/pricing'),
      ' or ',
      link('http://other.test/a?b=1#c', true),
      ' now',
    ]);
  });

  it('leaves every other scheme as text', () => {
    for (const text of [
      'javascript:alert(1)',
      'data:text/html,<b>x</b>',
      'ftp://files.test/x',
      'mailto:a@b.test',
      'www.acme.test/pricing',
      'xhttps://acme.test',
      'file:///etc/passwd',
    ])
      expect(linkify(text, ORIGIN)).toEqual([text]);
  });

  it('leaves out the punctuation that ends a sentence, and brackets the URL did not open', () => {
    expect(linkify('Go to https://acme.test/a.', ORIGIN)).toEqual([
      'Go to ',
      link('https://acme.test/a'),
      '.',
    ]);
    expect(linkify('(see https://acme.test/a), then?', ORIGIN)).toEqual([
      '(see ',
      link('https://acme.test/a'),
      '), then?',
    ]);
    expect(linkify('https://en.wikipedia.test/wiki/Foo_(bar)!', ORIGIN)).toEqual([
      link('https://en.wikipedia.test/wiki/Foo_(bar)', true),
      '!',
    ]);
  });

  it('normalises the href but shows the URL as written', () => {
    expect(linkify('https://ACME.test/a b', ORIGIN)).toEqual([
      link('https://acme.test/a', false, 'https://ACME.test/a'),
      ' b',
    ]);
  });

  it('skips what only looks like a URL', () => {
    expect(linkify('http://[broken/ and text', ORIGIN)).toEqual(['http://[broken/ and text']);
    expect(linkify('', ORIGIN)).toEqual([]);
  });
});
