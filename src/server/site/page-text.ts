/** A heading and the text under it, up to the next heading: the unit the site search returns. */
export interface Passage {
  /** The heading's text; empty for text before the page's first heading. */
  heading: string;
  text: string;
}

/** What the crawler keeps of one HTML page. */
export interface PageText {
  /** `<title>`, whitespace collapsed; empty when absent. */
  title: string;
  /**
   * How to name the page to a visitor: the title's last part when it has one
   * (`LeFlux demo — Pricing` -> `Pricing`), else its first `<h1>`, else its title.
   */
  name: string;
  passages: Passage[];
  /** Every `<a href>` value as written (resolve against the page URL). */
  links: string[];
}

/** Elements whose content is never visible text. */
const HIDDEN = ['script', 'style', 'noscript', 'template', 'svg', 'head', 'title'];
/** Site-wide chrome repeated on every page; its links still count. */
const CHROME = ['header', 'nav', 'footer'];
/** Elements that end a run of text (so "Pro" and "$29" do not run together). */
const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'form',
  'hr',
  'label',
  'li',
  'main',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'td',
  'th',
  'tr',
  'ul',
  'button',
  'option',
]);

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  copy: '©',
  reg: '®',
  euro: '€',
  pound: '£',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X'
          ? Number.parseInt(name.slice(2), 16)
          : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return ENTITIES[name.toLowerCase()] ?? entity;
  });
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

function removeElements(html: string, names: readonly string[]): string {
  let out = html;
  for (const name of names) {
    out = out.replace(new RegExp(`<${name}\\b[^>]*>[\\s\\S]*?</${name}\\s*>`, 'gi'), ' ');
  }
  return out;
}

/** Joins text runs into one passage text, adding a full stop where a run ends without one. */
function joinRuns(runs: string[]): string {
  return runs
    .map((run, i) => (i < runs.length - 1 && !/[.!?:;]$/.test(run) ? `${run}.` : run))
    .join(' ');
}

/**
 * Turns an HTML page into its visible text, cut into passages at headings, plus its links.
 * A tolerant scan, not a full parser: good for sites' own pages, never executes anything.
 *
 * @example
 * extractPageText('<title>Pricing</title><h2>Pro</h2><p>$29 per month</p>').passages
 * // [{ heading: 'Pro', text: '$29 per month' }]
 */
export function extractPageText(html: string): PageText {
  // Comments, then declarations and processing instructions (`<!doctype html>`, `<?xml …?>`).
  const withoutComments = html.replace(/<!--[\s\S]*?-->/g, ' ').replace(/<[!?][^>]*>/g, ' ');
  const title = collapse(
    decodeEntities(/<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(withoutComments)?.[1] ?? ''),
  );
  const links: string[] = [];
  for (const match of withoutComments.matchAll(
    /<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi,
  )) {
    const href = decodeEntities((match[1] ?? match[2] ?? match[3] ?? '').trim());
    if (href !== '') links.push(href);
  }

  const body = removeElements(removeElements(withoutComments, HIDDEN), CHROME);
  const passages: Passage[] = [];
  let current: Passage & { runs: string[] } = { heading: '', text: '', runs: [] };
  let run = '';
  let heading: string | undefined;
  let firstH1: string | undefined;

  const endRun = () => {
    const text = collapse(run);
    run = '';
    if (text !== '') current.runs.push(text);
  };
  const endPassage = () => {
    endRun();
    const text = joinRuns(current.runs);
    if (current.heading !== '' || text !== '') passages.push({ heading: current.heading, text });
  };

  for (const match of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>|([^<]+)|</g)) {
    const [whole, closing, rawName, text] = match;
    if (text !== undefined || whole === '<') {
      // A lone `<` is text ("a < b"), not a tag.
      const decoded = text === undefined ? '<' : decodeEntities(text);
      if (heading !== undefined) heading += decoded;
      else run += decoded;
      continue;
    }
    if (rawName === undefined) continue;
    const name = rawName.toLowerCase();
    if (/^h[1-6]$/.test(name)) {
      if (!closing) {
        endPassage();
        heading = '';
      } else if (heading !== undefined) {
        const done = collapse(heading);
        if (name === 'h1') firstH1 ??= done;
        current = { heading: done, text: '', runs: [] };
        heading = undefined;
      }
    } else if (BLOCK.has(name)) {
      if (heading !== undefined) heading += ' ';
      else endRun();
    }
  }
  if (heading !== undefined) current = { heading: collapse(heading), text: '', runs: [] };
  endPassage();

  return { title, name: pageName(title, firstH1), passages, links };
}

function pageName(title: string, firstH1: string | undefined): string {
  const parts = title.split(/\s+[—–|·-]\s+/).filter((part) => part !== '');
  if (parts.length > 1) return parts[parts.length - 1]!;
  return firstH1 || title;
}
