import type { ChatMessage } from '../../protocol/index.js';

/** What a message is taken to cost in memory: its text (UTF-16) and the rest of the object. */
const messageBytes = (message: ChatMessage) => 2 * message.text.length + 160;

/**
 * A node's copy of the newest messages of the sessions it served lately (a run of seqs without
 * gaps, oldest first), within a memory budget: the least recently used sessions are forgotten
 * first. Only a cache: the Redis store sends what it holds with each read, and Redis answers
 * with what it lacks (a stored message never changes).
 *
 * @example
 * const cache = new HistoryCache(32 * 1024 * 1024);
 * cache.remember('s1', messages);
 */
export class HistoryCache {
  readonly #entries = new Map<string, { messages: readonly ChatMessage[]; bytes: number }>();
  #bytes = 0;

  constructor(readonly budgetBytes: number) {}

  get(sessionId: string): readonly ChatMessage[] | undefined {
    return this.#entries.get(sessionId)?.messages;
  }

  /** Replaces what is held for the session, which becomes the most recently used. */
  remember(sessionId: string, messages: readonly ChatMessage[]): void {
    this.forget(sessionId);
    let bytes = 0;
    for (const message of messages) bytes += messageBytes(message);
    // One history over the whole budget is not kept (it would push out everything else).
    if (messages.length === 0 || bytes > this.budgetBytes) return;
    this.#entries.set(sessionId, { messages, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.budgetBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
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
}
