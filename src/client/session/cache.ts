import { type HistoryStore, openHistory, type StoredMessage } from '../storage/history.js';
import { type Conversation, createConversation } from './conversation.js';
import { fail, type Session } from './session.js';
import { storedRecord } from './session-record.js';

/**
 * How many of the newest cached messages a reload reads before the rest: more than the first
 * render shows (15 rows), so scrolling up a little never waits; each one read and checked is
 * on the way to the first paint.
 */
const TAIL_SIZE = 40;
/** The rest of the cached history is read in pages this long: each a task of a few ms. */
const OLDER_PAGE = 1000;

/**
 * The browser's copy of the conversation: the messages this tab shows (merged by id) and the
 * IndexedDB history behind them, opened only when there is something to read or write.
 */
export interface Cache {
  readonly conversation: Conversation;
  /**
   * Puts the stored conversation on screen. `whole`: a session record exists, so the history is
   * the conversation: the newest screenful first, the rest in `older` (to await before merging
   * the server's answer). Otherwise only undelivered messages are kept (and the rest deleted).
   * `outbox`: undelivered messages were found.
   */
  load(
    whole: boolean,
    /** False once what was read is stale: the client destroyed, or the conversation cleared. */
    current: () => boolean,
  ): Promise<{ older?: Promise<void>; outbox: boolean }>;
  /** Changes made in this tab: on screen first, then told to the other tabs, then stored. */
  commit(copies: StoredMessage[]): Promise<void>;
  /** Changes another tab made (and stored): on screen only. Returns what changed. */
  mirror(copies: readonly StoredMessage[]): StoredMessage[];
  /** Marks every delivered message as an earlier conversation, here, in storage and other tabs. */
  archive(): Promise<void>;
  /** Forgets the conversation here; `stored`: the stored history too (the tab that clears). */
  wipe(stored: boolean): Promise<void>;
  close(): void;
}

export function createCache(s: Session): Cache {
  const { siteKey } = s;
  const conversation = createConversation();
  let opening: Promise<HistoryStore | undefined> | undefined;
  /** Undelivered messages kept when the history was opened without a session record. */
  let kept: StoredMessage[] = [];
  const render = () => s.store.setState({ messages: conversation.list() });
  const told = (messages: StoredMessage[]) => s.tabs.post({ type: 'messages', messages });

  /**
   * Opens the history once, on first need. History lives with the session record: opened
   * without one, only undelivered visitor messages younger than the session TTL stay.
   */
  const history = () =>
    (opening ??= (s.options.history ?? openHistory)().then(
      async (store) => {
        if (storedRecord(s)) return store;
        const cached = await store.load(siteKey).catch(() => []);
        const since = s.now() - s.retention.get().sessionTtlMs;
        kept = cached.filter((m) => m.status === 'pending' && m.at >= since);
        if (kept.length < cached.length) {
          await store.clear(siteKey).catch(() => undefined);
          await store.put(kept).catch(() => undefined);
        }
        return store;
      },
      () => undefined,
    ));

  const store = async (changed: StoredMessage[]) =>
    (await history())
      ?.put(changed)
      .catch((cause) =>
        fail(
          s,
          'storage_failed',
          'could not store messages; they are kept for this page only',
          cause,
        ),
      );

  return {
    conversation,
    async load(whole, current) {
      const cache = await history();
      if (!current()) return { outbox: false };
      let older: Promise<void> | undefined;
      let found = kept;
      if (whole) {
        // The newest screenful first, so the visitor sees the conversation at once; the rest
        // follows in the background, before the server's answer is merged in.
        found = (await cache?.loadTail(siteKey, TAIL_SIZE).catch(() => [])) ?? [];
        // After this task, in which the UI renders the tail: setting up the read costs ~1 ms.
        older = new Promise((resolve) => setTimeout(resolve, 0))
          .then(() =>
            cache?.loadPages(siteKey, OLDER_PAGE, (page) => {
              // What this tab holds is as new as the store or newer (other tabs, the socket).
              if (current()) conversation.apply(page.filter((m) => !conversation.get(m.id)));
            }),
          )
          .then(() => {
            if (current()) render();
          })
          .catch(() => undefined);
      }
      conversation.apply(found);
      render();
      // Undelivered messages sort last: any there are, are in the tail.
      return { older, outbox: found.some((m) => m.status === 'pending') };
    },
    async commit(copies) {
      const changed = conversation.apply(copies);
      if (changed.length === 0) return;
      render();
      told(changed);
      await store(changed);
    },
    mirror(copies) {
      const changed = conversation.apply(copies);
      if (changed.length > 0) render();
      return changed;
    },
    async archive() {
      const changed = conversation.archive(s.now());
      if (changed.length === 0) return;
      render();
      told(changed);
      await store(changed);
    },
    async wipe(stored) {
      // Stored messages this tab never opened the history for are ones it was shown: open it then.
      const open = opening !== undefined || conversation.list().length > 0;
      conversation.clear();
      render();
      if (stored && open)
        await (await history())
          ?.clear(siteKey)
          .catch((cause) =>
            fail(s, 'storage_failed', 'could not delete the stored history', cause),
          );
    },
    close() {
      void opening?.then((store) => store?.close());
    },
  };
}
