import type { ChatMessage } from '../../protocol/index.js';

/**
 * A node's copy of the newest messages of the sessions it answered lately, most recently used
 * last; the least recently used session is forgotten past `capacity`. Only a cache: whoever
 * reads it checks it against the store (messages never change once stored, so what it holds is
 * either still right or shows as a gap).
 */
export class RecentMessages {
  readonly #entries = new Map<string, readonly ChatMessage[]>();

  constructor(readonly capacity: number) {}

  get(sessionId: string): readonly ChatMessage[] | undefined {
    return this.#entries.get(sessionId);
  }

  remember(sessionId: string, messages: readonly ChatMessage[]): void {
    // Deleted first so the session moves to the most recent end.
    this.#entries.delete(sessionId);
    if (this.capacity <= 0) return;
    this.#entries.set(sessionId, messages);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  forget(sessionId: string): void {
    this.#entries.delete(sessionId);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
