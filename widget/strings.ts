/**
 * The UI strings. English is here, in embed.js; each other language is its own small chunk that
 * loads with the chat UI, so a visitor downloads only the language they read. Add a language with
 * a `strings-xx.ts` table, its launcher label and its loader below (and to `RTL` if it is written
 * right to left). A site may override any string (`StringOverrides`).
 * The accessible names tests and README use (`Open chat`, `Send`, …) are the English ones.
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
  limited: 'Sending again in a moment.',
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

/**
 * A site's own wording for the UI (`LeFluxSettings.strings`, `createWidget({ strings })`): any
 * of the table's keys, plus `openChat` for the launcher. It replaces the table's text whatever
 * the language.
 */
export type StringOverrides = Partial<Strings & { openChat: string }>;

/** The keys a site may override. */
export const stringKeys: readonly string[] = [...Object.keys(en), 'openChat'];

export const launcherLabel = (lang: Lang, strings?: StringOverrides): string =>
  strings?.openChat ?? OPEN_CHAT[lang];

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
export function loadStrings(lang: Lang): Promise<Strings> {
  if (lang === 'en') return Promise.resolve(en);
  return LOADERS[lang]().catch((error: unknown) => {
    console.warn(`[leflux] could not load the ${lang} strings; using English.`, error);
    return en;
  });
}
