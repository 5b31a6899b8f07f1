import { nanoid } from 'nanoid';
import { validateContact } from '../protocol/contact.js';
import { validateIdentityClaim } from '../protocol/identity.js';
import { type ChatMessage, CLIENT_RETENTION_DEFAULTS, LIMITS } from '../protocol/index.js';
import { createActivityTracker } from './activity.js';
import { createEmitter } from './emitter.js';
import { LeFluxError } from './errors.js';
import { schedule } from './schedule.js';
import { createCache } from './session/cache.js';
import { clear } from './session/clear.js';
import { createLink } from './session/link.js';
import { createOutbox } from './session/outbox.js';
import { restore } from './session/restore.js';
import type { Session } from './session/session.js';
import {
  contactOf,
  createRetention,
  liveRecord,
  storedRecord,
  updateRecord,
} from './session/session-record.js';
import { mirror } from './session/tab-mirror.js';
import { createTypingIndicator } from './session/typing.js';
import { createStateStore } from './state.js';
import { historyExists, type StoredMessage } from './storage/history.js';
import { persistentStorage } from './storage/raw-storage.js';
import { sessionRecords } from './storage/session-records.js';
import { createTabSync } from './tabs/tab-sync.js';
import { createAgentTask } from './tasks/agent-task.js';
import { preloadConnection } from './transport/connection.js';
import { restoreSession } from './transport/session-api.js';
import type { ClientEvents, ClientOptions, ClientState, LeFluxClient } from './types.js';
import { setDraft, setOpen } from './widget-state.js';

/**
 * Creates the headless client: builds the session's shared object, wires its parts (session/*)
 * to storage, the socket and the other tabs, loads the cached conversation and restores it.
 *
 * @example
 * const client = createClient({ server: 'https://chat.example.com', siteKey: 'acme' });
 * client.subscribe((state) => render(state.messages));
 * await client.send('Hello');
 */
export function createClient(options: ClientOptions): LeFluxClient {
  const siteKey = options.siteKey ?? 'default';
  const now = options.now ?? Date.now;
  const records = sessionRecords({
    storage: persistentStorage(options.localStorage ?? (() => globalThis.localStorage)),
    now,
    sessionTtlMs: () => retention.get().sessionTtlMs,
    userTtlMs: () => retention.get().userTtlMs,
  });
  const retention = createRetention(records, {
    sessionTtlMs: options.sessionTtlMs ?? CLIENT_RETENTION_DEFAULTS.sessionTtlMs,
    userTtlMs: options.userTtlMs ?? CLIENT_RETENTION_DEFAULTS.userTtlMs,
  });
  const stored = { widget: records.widget.read() };
  const store = createStateStore<ClientState>({
    phase: 'loading',
    open: stored.widget?.open ?? options.defaultOpen ?? false,
    messages: [],
    sessionId: null,
    connected: false,
    readOnly: false,
    user: contactOf(records.user.read()),
    draft: stored.widget?.draft ?? '',
    task: null,
    typing: false,
    retryAt: null,
    unread: stored.widget?.unread ?? 0,
  });
  const emitter = createEmitter<ClientEvents>();

  const s = {
    options,
    siteKey,
    server: options.server.replace(/\/+$/, ''),
    now,
    schedule: options.schedule ?? schedule,
    page:
      options.page ??
      (() => ({ url: location.href, title: document.title.slice(0, LIMITS.maxTitleLength) })),
    isVisible:
      options.isVisible ??
      (() => typeof document === 'undefined' || document.visibilityState === 'visible'),
    store,
    records,
    retention,
    emitter,
    resets: 0,
    holderUp: false,
    destroyed: false,
  } as Session;
  s.tabs = (options.tabs ?? ((onMessage) => createTabSync({ siteKey, onMessage })))((message) => {
    if (!s.destroyed) mirror(s, message);
  });
  s.activity = createActivityTracker({
    now,
    isVisible: s.isVisible,
    readSession: () => liveRecord(s),
    updateSession: (patch) => updateRecord(s, patch),
  });
  s.task = createAgentTask({
    current: () => store.getState().task,
    set: (task) => store.setState({ task }),
    emit: (event) => emitter.emit('task', event),
    user: () => store.getState().user,
    runStep: options.runStep,
    report: async (result) => (await s.link.socket())?.reportAction(result),
  });
  s.cache = createCache(s);
  s.link = createLink(s);
  s.outbox = createOutbox(s);
  s.typing = createTypingIndicator(store, s.schedule);
  store.setState({ sessionId: liveRecord(s)?.id ?? null });
  /** Keeps this tab's message times strictly increasing, so the outbox order is the typing order. */
  let lastSentAt = 0;

  async function start(): Promise<void> {
    // The server's answer does not depend on the cache: ask while IndexedDB opens and reads,
    // but parse it (a long history is several ms) only once the cached conversation shows.
    let shown = () => {};
    const cacheShown = new Promise<void>((resolve) => {
      shown = resolve;
    });
    const asked = liveRecord(s);
    const found = storedRecord(s) !== undefined;
    const at = s.resets;
    const restoring =
      asked &&
      restoreSession({
        server: s.server,
        sessionId: asked.id,
        token: asked.token,
        url: s.page().url,
        fetch: options.fetch,
        readAfter: cacheShown,
      });
    let older: Promise<void> | undefined;
    let outbox = false;
    try {
      // A page view that finds nothing stored opens nothing: IndexedDB creates what it opens.
      if (found || options.history || ((await historyExists()) ?? stored.widget !== undefined))
        ({ older, outbox } = await s.cache.load(found, () => !s.destroyed && at === s.resets));
    } finally {
      shown();
    }
    if (s.destroyed) return;
    store.setState({ phase: asked ? 'restoring' : 'ready' });
    if (restoring) {
      const result = await restoring;
      await older;
      if (s.destroyed) return;
      await restore(s, result, asked.id, () => at === s.resets && liveRecord(s)?.id === asked.id);
      store.setState({ phase: 'ready' });
    }
    // Whether this tab follows the session is decided from what it found when it loaded: its
    // session, its outbox. What other tabs do meanwhile arrives through `tab-mirror` (without
    // Web Locks, following another tab's session would take it over).
    if (at === s.resets && ((asked && liveRecord(s)?.id === asked.id) || outbox)) {
      if (!options.connect) preloadConnection();
      s.link.follow(true);
    }
  }

  // The tab holding the socket, if any, says how its socket is.
  s.tabs.post({ type: 'hello' });
  const started = start();

  const cleanups: Array<() => void> = [];
  if (typeof addEventListener === 'function') {
    const onPageHide = () => {
      s.activity.settle();
      s.tabs.post({ type: 'bye' });
    };
    addEventListener('pagehide', onPageHide);
    cleanups.push(() => removeEventListener('pagehide', onPageHide));
  }
  if (typeof document !== 'undefined') {
    document.addEventListener('visibilitychange', s.activity.settle);
    cleanups.push(() => document.removeEventListener('visibilitychange', s.activity.settle));
  }

  function open(state: boolean): void {
    if (!setOpen(s, state)) return;
    s.activity.touch();
    // Opening hints the visitor will chat: fetch the socket's code now, connect on sending.
    if (state && !options.connect) preloadConnection();
  }

  return {
    getState: store.getState,
    subscribe: store.subscribe,
    open: () => open(true),
    close: () => open(false),
    toggle: () => open(!store.getState().open),
    async send(text) {
      const trimmed = typeof text === 'string' ? text.trim() : '';
      if (trimmed === '' || trimmed.length > LIMITS.maxTextLength) {
        const error = new LeFluxError(
          'invalid_message',
          trimmed === ''
            ? 'a message needs some text'
            : `a message is at most ${LIMITS.maxTextLength} characters`,
        );
        emitter.emit('error', error);
        throw error;
      }
      await started;
      lastSentAt = Math.max(now(), lastSentAt + 1);
      const message: ChatMessage = {
        id: nanoid(),
        author: 'visitor',
        text: trimmed,
        at: lastSentAt,
      };
      const pending: StoredMessage = { ...message, siteKey, status: 'pending' };
      const live = liveRecord(s);
      if (live) pending.sessionId = live.id;
      await s.cache.commit([pending]);
      s.activity.touch();
      emitter.emit('message', message);
      // Sending takes the socket (newer wins when a tab sends); while this tab is read-only,
      // the tab holding it delivers the message.
      if (s.link.state() === 'bound') void s.outbox.flush();
      else s.link.take();
      return message;
    },
    setDraft: (text) => setDraft(s, text),
    async clear(choice) {
      await started;
      await clear(s, choice);
    },
    async identify(details, { tellServer = true } = {}) {
      const checked = validateContact(details);
      if (!checked.ok) {
        const fields = Object.entries(checked.errors).map(([field, why]) => `${field} ${why}`);
        throw new LeFluxError('invalid_contact', `invalid contact details: ${fields.join('; ')}`);
      }
      const claim = details.userId === undefined ? s.identity : validateIdentityClaim(details);
      if (claim && !claim.ok) throw new LeFluxError('invalid_identity', claim.message);
      const user = { ...records.user.read(), ...checked.value };
      records.user.write(user);
      store.setState({ user: contactOf(user) });
      s.tabs.post({ type: 'user', user: contactOf(user) });
      s.identity = claim;
      s.activity.touch();
      // The server learns contact details with `session_init`: say it again now (or right after
      // the one on its way), unless a task is in flight (a re-init is also where the server
      // checks a task's page).
      if (tellServer && !store.getState().task) s.link.retell();
    },
    activity: () => s.activity.snapshot(records.user.read()?.firstSessionAt),
    getSession: () => {
      const { sessionId, readOnly, connected } = store.getState();
      return { id: sessionId, readOnly, connected };
    },
    on: emitter.on,
    off: emitter.off,
    ready: () => started,
    destroy() {
      if (s.destroyed) return;
      s.destroyed = true;
      for (const cleanup of cleanups.splice(0)) cleanup();
      s.activity.settle();
      s.typing.hide();
      s.link.release();
      s.tabs.close();
      s.cache.close();
      emitter.clear();
    },
  };
}
