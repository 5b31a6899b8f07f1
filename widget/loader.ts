/**
 * `widget.js`: the one file a site embeds (a classic `<script async>`). It stays tiny: it keeps
 * the script tag, puts a queueing `window.LeFlux` in place (calls made before the widget is ready
 * run once it is, in order, after those the page queued on the README's stub before this file
 * arrived) and imports the embed module next to it. It imports constants only, so the
 * build inlines them and it stays one small file.
 */
import { HISTORY_DB, STORAGE_KEYS } from '../src/client/storage/names.js';

/** The modules' hashed file names under `leflux/`, from the build (vite.config.ts). */
declare const __LEFLUX_EMBED__: string;
declare const __LEFLUX_CHAT__: string;

/**
 * What an earlier visit left here: a conversation (then its history is read at once) or an open
 * window; then the chat is needed at once, and its chunk is fetched beside the embed module
 * instead of after it. A guess on purpose (any site key): a wrong one only fetches early what
 * idle time would fetch anyway.
 */
function stored(): { conversation: boolean; chat: boolean } {
  try {
    const storage = localStorage;
    const conversation = storage.getItem(STORAGE_KEYS.session) !== null;
    return {
      conversation,
      chat: conversation || /"open":true/.test(storage.getItem(STORAGE_KEYS.widget) ?? ''),
    };
  } catch {
    // Storage blocked: nothing stored either.
    return { conversation: false, chat: false };
  }
}

export type Call = [
  name: string,
  args: unknown[],
  resolve: (value: unknown) => void,
  reject: (e: unknown) => void,
];

/**
 * `window.LeFlux` as `widget.js` puts it in place: the API's methods, and callable as
 * `LeFlux('open')` too, the form the README's one-line stub queues before `widget.js` arrives.
 */
export type EmbedApi = ((name: string, ...args: unknown[]) => unknown) & Record<string, unknown>;

/** Handed to the embed module: the placeholder API and the calls queued on it. */
export interface Boot {
  api: EmbedApi;
  calls: Call[];
  /** Set by the embed module: loads the chat UI, which runs the queued calls. */
  load?: () => unknown;
  /**
   * The history database, opened while the modules load when a conversation is stored (see
   * `openEarly`); undefined when it was not asked for, does not exist yet or failed.
   */
  db?: Promise<IDBDatabase | undefined>;
}

const QUEUED = [
  'open',
  'close',
  'toggle',
  'send',
  'clear',
  'identify',
  'on',
  'off',
  'update',
  'show',
  'hide',
  'destroy',
];

/**
 * Opens the existing history database (`leflux`) at whatever version it has, so the connection is ready
 * when the chat module needs it instead of being asked for then (5-20 ms of a reload here).
 * Never creates it: that, and any upgrade, stay with the history module.
 */
function openEarly(): Promise<IDBDatabase | undefined> {
  return new Promise((resolve) => {
    try {
      const request = indexedDB.open(HISTORY_DB);
      request.onupgradeneeded = () => request.transaction?.abort();
      request.onsuccess = () => {
        const db = request.result;
        // Never in the way of another tab's upgrade.
        db.onversionchange = () => db.close();
        resolve(db);
      };
      request.onerror = () => resolve(undefined);
      request.onblocked = () => resolve(undefined);
    } catch {
      resolve(undefined);
    }
  });
}

(() => {
  const w = window as unknown as { LeFlux?: EmbedApi & { q?: Iterable<unknown>[] } };
  // `currentScript` only exists while this file first runs.
  const script = (document.currentScript ??
    document.querySelector('script[src*="widget.js"]')) as HTMLScriptElement | null;
  const stub = w.LeFlux;
  // The README's stub is a bare function that queues its arguments in `q`; we take its queue
  // over. Anything else there is a widget already (widget.js twice) or not ours: leave it be.
  if (stub && (typeof stub !== 'function' || stub.open)) {
    console.warn('[leflux] window.LeFlux is already set (widget.js loaded twice?); keeping it.');
    return;
  }
  const calls: Call[] = [];
  const api = ((name: string, ...args: unknown[]) =>
    (api[name] as (...a: unknown[]) => unknown)(...args)) as EmbedApi;
  api.getSession = () => ({ id: null, readOnly: false, connected: false });
  api.activity = () => ({ activeTime: 0, lastActive: null, isReturningUser: false });
  const boot: Boot = { api, calls };
  for (const name of QUEUED) {
    api[name] = (...args: unknown[]) => {
      const queued = new Promise((resolve, reject) => calls.push([name, args, resolve, reject]));
      // on() answers with its unsubscribe in every phase: off() queues behind it, or runs.
      // Listeners wait for the chat UI without asking for it; other calls ask for it.
      if (name === 'on') return () => (api.off as (...a: unknown[]) => unknown)(...args);
      if (name !== 'off') boot.load?.();
      return queued;
    };
  }
  for (const args of stub?.q ?? []) api(...(args as [string]));
  w.LeFlux = api;
  const base = script?.src || location.href;
  const url = (file: string) => new URL(`leflux/${file}`, base).href;
  const found = stored();
  // Only a stored conversation has a history to read: a page view opens no database otherwise.
  if (found.conversation) boot.db = openEarly();
  if (found.chat) {
    // The embed module imports the same URL later and gets this one; a failure is reported there.
    import(/* @vite-ignore */ url(__LEFLUX_CHAT__)).catch(() => {});
  }
  import(/* @vite-ignore */ url(__LEFLUX_EMBED__)).then(
    (embed: { mount: (script: HTMLScriptElement | null, boot: Boot) => void }) => {
      const start = () => embed.mount(script, boot);
      if (document.body) start();
      else document.addEventListener('DOMContentLoaded', start, { once: true });
    },
    (error: unknown) => console.error('[leflux] could not load the widget', error),
  );
})();
