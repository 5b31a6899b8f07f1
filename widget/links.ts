/**
 * Links in agent and operator messages, without a Markdown library: the http(s) URLs written in
 * the text become links, everything else stays text (a `javascript:` or `data:` URL is only ever
 * text). Punctuation that ends a sentence is not part of the URL, nor is a closing bracket that
 * opens nowhere in it: "(see https://example.com/a)." links `https://example.com/a`.
 */
export type Segment = string | { href: string; text: string; external: boolean };

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?*)\]}]$/;

const count = (text: string, char: string) => text.split(char).length - 1;

/** The URL's text without what ends the sentence around it. */
function trim(raw: string): string {
  let url = raw;
  while (TRAILING.test(url)) {
    const last = url.at(-1) as string;
    const open = { ')': '(', ']': '[', '}': '{' }[last];
    // A closing bracket the URL itself opened is part of it (Wikipedia's `Foo_(bar)`).
    if (open && count(url, open) >= count(url, last)) break;
    url = url.slice(0, -1);
  }
  return url;
}

/**
 * Splits `text` into plain pieces and links. `origin` is the page's: a link elsewhere is
 * `external` (it opens in a new tab), one on the page's own site navigates in place.
 *
 * @example linkify('Prices: https://acme.test/pricing.', 'https://acme.test')
 * // ['Prices: ', { href: 'https://acme.test/pricing', text: 'https://acme.test/pricing', external: false }, '.']
 */
export function linkify(text: string, origin: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const raw = trim(match[0]);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    if (match.index > last) segments.push(text.slice(last, match.index));
    segments.push({ href: url.href, text: raw, external: url.origin !== origin });
    last = match.index + raw.length;
  }
  if (last < text.length) segments.push(text.slice(last));
  return segments;
}
