import { SITE_KEY_PATTERN } from '../src/protocol/limits.js';
import { isColor } from './accent.js';
import { isLang, type Lang, RTL } from './strings.js';

export type Position = 'right' | 'left';
export type Theme = 'light' | 'dark' | 'auto';

/** The widget's settings, as read from the script tag's data-attributes (CONTRACT.md, Embed). */
export interface EmbedConfig {
  siteKey: string;
  server: string;
  noVisitorId: boolean;
  open: boolean;
  position: Position;
  theme: Theme;
  title: string;
  lang: Lang;
  /** Right to left for Arabic and Hebrew, and on a page whose root is `dir="rtl"`. */
  dir: 'ltr' | 'rtl';
  /** `data-accent`: a CSS colour for the launcher, header and the visitor's bubbles. */
  accent?: string;
}

const MAX_TITLE = 60;
/** The theme's accent (launcher.css), named in the warning for an invalid `data-accent`. */
const DEFAULT_ACCENT = '#4f46e5';

/**
 * Reads the embed attributes. An invalid value never stops the widget: it logs one warning
 * naming the attribute and the value used instead.
 *
 * @example readEmbedConfig(document.currentScript, document, console.warn)
 */
export function readEmbedConfig(
  script: HTMLOrSVGScriptElement | null,
  doc: Document,
  warn: (message: string) => void = console.warn,
): EmbedConfig {
  const attr = (name: string) => script?.getAttribute(`data-${name}`) ?? null;
  const invalid = <T>(name: string, raw: string, fallback: T, why: string): T => {
    warn(
      `[leflux] data-${name}="${raw}" is invalid (${why}); using ${JSON.stringify(fallback)} instead.`,
    );
    return fallback;
  };
  function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = attr(name);
    if (raw === null) return fallback;
    return (allowed as readonly string[]).includes(raw)
      ? (raw as T)
      : invalid(name, raw, fallback, `expected ${allowed.join(', ')}`);
  }

  const scriptSrc = script && 'src' in script ? script.src : '';
  const ownOrigin = scriptSrc
    ? new URL(scriptSrc, doc.baseURI).origin
    : (doc.location?.origin ?? '');

  const rawSiteKey = attr('site-key');
  const siteKey =
    rawSiteKey === null
      ? 'default'
      : SITE_KEY_PATTERN.test(rawSiteKey)
        ? rawSiteKey
        : invalid('site-key', rawSiteKey, 'default', 'expected a lower-case slug');

  const rawServer = attr('server');
  let server = ownOrigin;
  if (rawServer !== null) {
    try {
      const url = new URL(rawServer, doc.baseURI);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      server = url.origin;
    } catch {
      server = invalid('server', rawServer, ownOrigin, 'expected an http(s) origin');
    }
  }

  const rawOpen = attr('open');
  let open = false;
  if (rawOpen !== null) {
    if (rawOpen === 'true' || rawOpen === '') open = true;
    else if (rawOpen !== 'false') open = invalid('open', rawOpen, false, 'expected true or false');
  }

  const rawTitle = attr('title');
  let title = 'Chat';
  if (rawTitle !== null) {
    const trimmed = rawTitle.trim();
    if (trimmed && trimmed.length <= MAX_TITLE) title = trimmed;
    else title = invalid('title', rawTitle, 'Chat', `expected 1-${MAX_TITLE} characters`);
  }

  const rawLang = attr('lang');
  const pageLang = (doc.documentElement.lang || 'en').toLowerCase().split('-')[0] ?? 'en';
  const defaultLang: Lang = isLang(pageLang) ? pageLang : 'en';
  let lang = defaultLang;
  if (rawLang !== null) {
    const short = rawLang.toLowerCase().split('-')[0] ?? '';
    lang = isLang(short)
      ? short
      : invalid('lang', rawLang, defaultLang, 'no strings for that language');
  }

  const dir =
    RTL.includes(lang) ||
    (doc.documentElement.dir || getComputedStyle(doc.documentElement).direction) === 'rtl'
      ? 'rtl'
      : 'ltr';

  const rawAccent = attr('accent');
  let accent: string | undefined;
  if (rawAccent !== null) {
    if (isColor(rawAccent)) accent = rawAccent.trim();
    else invalid('accent', rawAccent, DEFAULT_ACCENT, 'expected a CSS colour');
  }

  return {
    siteKey,
    server,
    noVisitorId: script?.hasAttribute('data-no-visitor-id') ?? false,
    open,
    // The launcher sits at the end of a line: on the right, or on the left right to left.
    position: oneOf('position', ['right', 'left'], dir === 'rtl' ? 'left' : 'right'),
    theme: oneOf('theme', ['light', 'dark', 'auto'], 'auto'),
    title,
    lang,
    dir,
    ...(accent ? { accent } : {}),
  };
}
