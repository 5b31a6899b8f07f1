import type { ChatMessage } from '../../protocol/index.js';

/** What a message is taken to cost in memory: its text (UTF-16) and the rest of the object. */
const messageBytes = (message: ChatMessage) => 2 * message.text.length + 160;
const bytesOf = (messages: readonly ChatMessage[]) =>
  messages.reduce((sum, message) => sum + messageBytes(message), 0);

/**
 * What a read saw of a session's cached messages: the first `count` of `list`. The cache only
 * ever appends to a list (a replaced session gets a new one), so that view stays as it was
 * while other reads extend the list.
 */
export interface HeldMessages {
  readonly list: readonly ChatMessage[];
  readonly count: number;
}

/**
 * A node's copy of the newest messages of the sessions it served lately (a run of seqs without
 * gaps, oldest first), within a memory budget: the least recently used sessions are forgotten
 * first. Only a cache: the Redis store sends what it holds with each read, and Redis answers
 * with what it lacks (a stored message never changes).
 *
 * @example
 * const cache = new HistoryCache(32 * 1024 * 1024);
 * cache.remember('s1', messages);
 * const held = cache.held('s1'); // later: cache.extend('s1', held, newer)
 */
export class HistoryCache {
  readonly #entries = new Map<string, { list: ChatMessage[]; bytes: number }>();
  #bytes = 0;

  constructor(readonly budgetBytes: number) {}

  /** What is held for the session now (an empty view when nothing). */
  held(sessionId: string): HeldMessages {
    const list = this.#entries.get(sessionId)?.list ?? [];
    return { list, count: list.length };
  }

  /** Replaces what is held for the session (with a list of its own), as most recently used. */
  remember(sessionId: string, messages: readonly ChatMessage[]): void {
    this.forget(sessionId);
    const bytes = bytesOf(messages);
    // One history over the whole budget is not kept (it would push out everything else).
    if (messages.length === 0 || bytes > this.budgetBytes) return;
    this.#entries.set(sessionId, { list: [...messages], bytes });
    this.#bytes += bytes;
    this.#evict();
  }

  /**
   * Appends `newer` to what is held, in place, when it is still the list `held` saw, with
   * nothing appended since; returns false otherwise (the caller remembers its own list).
   * Costs the new messages only, however long the history.
   */
  extend(sessionId: string, held: HeldMessages, newer: readonly ChatMessage[]): boolean {
    const entry = this.#entries.get(sessionId);
    if (!entry || entry.list !== held.list || entry.list.length !== held.count) return false;
    const bytes = bytesOf(newer);
    entry.list.push(...newer);
    entry.bytes += bytes;
    this.#bytes += bytes;
    // Most recently used: moved to the end of the map's order.
    this.#entries.delete(sessionId);
    this.#entries.set(sessionId, entry);
    this.#evict();
    return true;
  }

  forget(sessionId: string): void {
    const entry = this.#entries.get(sessionId);
    if (!entry) return;
    this.#entries.delete(sessionId);
    this.#bytes -= entry.bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** Sessions held, and their estimated bytes. */
  get size(): { sessions: number; bytes: number } {
    return { sessions: this.#entries.size, bytes: this.#bytes };
  }

  #evict(): void {
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.budgetBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }
}
