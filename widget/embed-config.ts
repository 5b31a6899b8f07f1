import { SITE_KEY_PATTERN } from '../src/protocol/limits.js';
import { isColor } from './accent.js';
import { isLang, type Lang, RTL, type StringOverrides, stringKeys } from './strings.js';

export type Position = 'right' | 'left';
export type Theme = 'light' | 'dark' | 'auto';

/** The widget's settings: the embed's data-attributes by their camelCase names. */
export interface EmbedConfig {
  siteKey: string;
  server: string;
  noVisitorId: boolean;
  open: boolean;
  position: Position;
  theme: Theme;
  title: string;
  lang: Lang;
  /** A CSS colour for the launcher, header and the visitor's bubbles; absent: the theme's. */
  accent?: string;
}

/**
 * Right to left for Arabic and Hebrew, and on a page whose root is right to left (`dir="rtl"`,
 * or `direction: rtl` in its CSS).
 */
export const directionOf = (lang: Lang, doc: Document = document): 'ltr' | 'rtl' =>
  RTL.includes(lang) ||
  (doc.documentElement.dir || getComputedStyle(doc.documentElement).direction) === 'rtl'
    ? 'rtl'
    : 'ltr';

/**
 * `window.LeFluxSettings`, set by the page before `widget.js` runs: any of the data-attributes'
 * settings by camelCase name, plus the site's own wording for the UI. The script tag's
 * attributes win over it.
 */
export interface LeFluxSettings extends Partial<EmbedConfig> {
  strings?: StringOverrides;
}

/** What `update()` changes while the widget runs. */
export type WidgetUpdate = Partial<Pick<EmbedConfig, 'title' | 'theme' | 'lang' | 'position'>>;

type Warn = (message: string) => void;
/** A setting's check: the value to use, or undefined when `raw` is invalid; and what it expects. */
type Rule = [parse: (raw: unknown) => unknown, expected: string];

const MAX_TITLE = 60;

/** `true`/`false` (or the text of either; an attribute present without a value is `true`). */
const FLAG: Rule = [
  (raw) =>
    raw === true || raw === 'true' || raw === ''
      ? true
      : raw === false || raw === 'false'
        ? false
        : undefined,
  'true or false',
];
const within = (...allowed: string[]): Rule => [
  (raw) => (allowed.includes(raw as string) ? raw : undefined),
  allowed.join(', '),
];

/** How each setting is checked, whatever it comes from (attribute, `LeFluxSettings`, `update()`). */
const RULES: Record<keyof EmbedConfig, Rule> = {
  siteKey: [(raw) => (SITE_KEY_PATTERN.test(raw as string) ? raw : undefined), 'a lower-case slug'],
  server: [
    (raw) => {
      try {
        const url = new URL(raw as string, document.baseURI);
        return /^https?:$/.test(url.protocol) ? url.origin : undefined;
      } catch {
        return undefined;
      }
    },
    'an http(s) origin',
  ],
  noVisitorId: FLAG,
  open: FLAG,
  position: within('right', 'left'),
  theme: within('light', 'dark', 'auto'),
  title: [
    (raw) => {
      const title = typeof raw === 'string' && raw.trim();
      return title && title.length <= MAX_TITLE ? title : undefined;
    },
    `1-${MAX_TITLE} characters`,
  ],
  lang: [
    (raw) => {
      const short = typeof raw === 'string' && raw.toLowerCase().split('-')[0];
      return short && isLang(short) ? short : undefined;
    },
    'a language with strings',
  ],
  accent: [
    (raw) => (typeof raw === 'string' && isColor(raw) ? raw.trim() : undefined),
    'a CSS colour',
  ],
};

/** Longest UI string a site may set: a label, not a page of text. */
const MAX_STRING = 300;

/** The check of a UI string a site overrides. */
const TEXT: Rule = [
  (raw) => (typeof raw === 'string' && raw.trim() && raw.length <= MAX_STRING ? raw : undefined),
  `text of 1-${MAX_STRING} characters`,
];

/** The rule for `key` among the settings, or none (`Object.hasOwn`: no `constructor` here). */
export const settingRule = (key: string): Rule | undefined =>
  Object.hasOwn(RULES, key) ? RULES[key as keyof EmbedConfig] : undefined;

/**
 * Merges `source` into `config`, each entry checked by `rule(key)`. An invalid or unknown one
 * logs one warning naming it (`label(key)`) and the value kept instead, and changes nothing.
 *
 * @example applySettings(look, { theme: 'dark' }, (key) => `update() ${key}`, settingRule)
 */
export function applySettings<T extends object>(
  config: T,
  source: unknown,
  label: (key: string) => string,
  rule: (key: string) => Rule | false | undefined,
  warn: Warn = console.warn,
): T {
  const invalid = (key: string, raw: unknown, why: string, kept?: unknown) =>
    warn(
      `[leflux] ${label(key)}=${JSON.stringify(raw)} is invalid (${why}); ${
        kept === undefined ? 'ignored' : `using ${JSON.stringify(kept)} instead`
      }.`,
    );
  if (typeof source !== 'object' || !source) {
    invalid('', source, 'expected an object');
    return config;
  }
  for (const [key, raw] of Object.entries(source)) {
    if (raw === undefined || raw === null) continue;
    const check = rule(key);
    const value = check ? check[0](raw) : undefined;
    if (value !== undefined) (config as Record<string, unknown>)[key] = value;
    else
      invalid(
        key,
        raw,
        check ? `expected ${check[1]}` : 'no such setting',
        (config as Record<string, unknown>)[key],
      );
  }
  return config;
}

/**
 * The embed's settings: defaults, then `window.LeFluxSettings` (`settings`), then the script
 * tag's data-attributes, which win. Each source is checked the same way; an invalid value never
 * stops the widget: it logs one warning naming it and the value used instead.
 *
 * @example readEmbedConfig(document.currentScript, document, console.warn, window.LeFluxSettings)
 */
export function readEmbedConfig(
  script: HTMLOrSVGScriptElement | null,
  doc: Document,
  warn: Warn = console.warn,
  settings: unknown = (globalThis as { LeFluxSettings?: unknown }).LeFluxSettings,
): EmbedConfig & { strings: StringOverrides } {
  const scriptSrc = script && 'src' in script ? script.src : '';
  const config = {
    siteKey: 'default',
    server: scriptSrc ? new URL(scriptSrc, doc.baseURI).origin : (doc.location?.origin ?? ''),
    noVisitorId: false,
    open: false,
    position: 'right' as Position,
    theme: 'auto' as Theme,
    title: 'Chat',
    lang: (RULES.lang[0](doc.documentElement.lang) ?? 'en') as Lang,
    strings: {},
  };
  if (settings !== undefined) {
    const { strings, ...rest } = Object(settings) as LeFluxSettings;
    applySettings(
      config,
      typeof settings === 'object' ? rest : settings,
      (key) => `LeFluxSettings${key && '.'}${key}`,
      settingRule,
      warn,
    );
    if (strings !== undefined)
      config.strings = applySettings(
        {},
        strings,
        (key) => `LeFluxSettings.strings${key && '.'}${key}`,
        (key) => stringKeys.includes(key) && TEXT,
        warn,
      );
  }
  const attribute = (key: string) => `data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const attributes: Record<string, string | null | undefined> = {};
  for (const key in RULES) {
    const name = attribute(key);
    // data-no-visitor-id counts by its presence, whatever its value (README: "present").
    attributes[key] =
      key === 'noVisitorId'
        ? script?.hasAttribute(name)
          ? 'true'
          : null
        : script?.getAttribute(name);
  }
  applySettings(config, attributes, attribute, settingRule, warn);
  // Right to left, the launcher docks at the end of the line (left) unless the site said where.
  const placed = (settings as { position?: unknown } | undefined)?.position ?? attributes.position;
  if (placed == null && directionOf(config.lang, doc) === 'rtl') config.position = 'left';
  return config;
}
