/**
 * The UI strings. English is here, in embed.js; each other language is its own small chunk that
 * loads with the chat UI, so a visitor downloads only the language they read. Add a language with
 * a `strings-xx.ts` table, its launcher label and its loader below (and to `RTL` if it is written
 * right to left). A site may override any string (`LeFluxSettings.strings`, see `overrideStrings`).
 * The accessible names in CONTRACT.md (`Open chat`, `Send`, …) are the English ones.
 */
const en = {
  save: 'Save',
  fieldName: 'Your name',
  fieldEmail: 'Your email',
  fieldPhone: 'Your phone',
  options: 'Conversation options',
  clearConversation: 'Clear conversation',
  clearAndForget: 'Clear and forget my details',
  closeChat: 'Close chat',
  message: 'Message',
  send: 'Send',
  placeholder: 'Type a message…',
  sending: 'Sending…',
  notSent: 'Not sent',
  earlier: 'Earlier conversation',
  newConversation: 'New conversation',
  empty: 'Ask us anything — we usually answer right away.',
  takenOver:
    'This conversation is open elsewhere: another tab took over. You can continue here in a moment.',
  offline: 'Reconnecting…',
  you: 'You',
  agent: 'Agent',
  typing: 'Typing…',
  /** The launcher's description while replies wait; `{count}` is the number. */
  unread: 'New replies: {count}',
  /** Said after a link to another site. */
  newTab: '(opens in a new tab)',
};

export type Strings = typeof en;

/** The launcher's label, apart from the tables: the launcher shows before any table loads. */
const OPEN_CHAT = {
  en: 'Open chat',
  fr: 'Ouvrir le chat',
  de: 'Chat öffnen',
  ar: 'افتح المحادثة',
  he: 'פתיחת הצ׳אט',
};

export type Lang = keyof typeof OPEN_CHAT;

/** Languages written right to left: the widget mirrors for them. */
export const RTL: readonly Lang[] = ['ar', 'he'];

export const isLang = (value: string): value is Lang => Object.hasOwn(OPEN_CHAT, value);

export const launcherLabel = (lang: Lang): string => OPEN_CHAT[lang];

/** What a site may override: every string of the tables, and the launcher's label. */
export type StringOverrides = Partial<Strings & { openChat: string }>;

/** Longest override taken: a label, not a page of text. */
const MAX_OVERRIDE = 300;

/**
 * The site's string overrides (`LeFluxSettings.strings`), checked: known keys with non-empty
 * text only. Anything else is left out with one warning naming it; it never stops the widget.
 *
 * @example overrideStrings({ send: 'Go', openChat: 'Questions?' }, console.warn)
 */
export function overrideStrings(raw: unknown, warn: (message: string) => void): StringOverrides {
  const overrides: Record<string, string> = {};
  if (raw === undefined) return overrides;
  if (typeof raw !== 'object' || raw === null) {
    warn('[leflux] LeFluxSettings.strings is not an object; ignoring it.');
    return overrides;
  }
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(en, key) && key !== 'openChat')
      warn(`[leflux] LeFluxSettings.strings.${key} is not a string the widget has; ignoring it.`);
    else if (typeof value !== 'string' || !value.trim() || value.length > MAX_OVERRIDE)
      warn(
        `[leflux] LeFluxSettings.strings.${key} must be text of 1-${MAX_OVERRIDE} characters; using the widget's own.`,
      );
    else overrides[key] = value;
  }
  return overrides;
}

const LOADERS: Record<Exclude<Lang, 'en'>, () => Promise<Strings>> = {
  fr: () => import('./strings-fr.js').then((m) => m.fr),
  de: () => import('./strings-de.js').then((m) => m.de),
  ar: () => import('./strings-ar.js').then((m) => m.ar),
  he: () => import('./strings-he.js').then((m) => m.he),
};

/**
 * The strings for `lang`. If its chunk cannot load (network, a deploy removed it), English: a
 * chat in the wrong language beats none.
 *
 * @example const strings = await loadStrings('fr');
 */
export async function loadStrings(lang: Lang, overrides: StringOverrides = {}): Promise<Strings> {
  const table =
    lang === 'en'
      ? en
      : await LOADERS[lang]().catch((error: unknown) => {
          console.warn(`[leflux] could not load the ${lang} strings; using English.`, error);
          return en;
        });
  return { ...table, ...overrides };
}
