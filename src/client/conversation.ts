import { compareMessages, type DeliveryStatus, type StoredMessage } from './storage/history.js';

/** How far a message got; a merge never moves a message backwards (a stale copy from another tab). */
const PROGRESS: Record<DeliveryStatus, number> = { pending: 0, failed: 1, sent: 2 };

/**
 * Combines two copies of one message: the incoming copy's content, the furthest delivery state,
 * a known sequence number, and an archive mark once either copy has one.
 */
export function mergeMessage(
  local: StoredMessage | undefined,
  incoming: StoredMessage,
): StoredMessage {
  if (!local) return incoming;
  const merged: StoredMessage = { ...local, ...incoming };
  if (PROGRESS[local.status] > PROGRESS[incoming.status]) merged.status = local.status;
  const seq = incoming.seq ?? local.seq;
  if (seq !== undefined) merged.seq = seq;
  const archivedAt = incoming.archivedAt ?? local.archivedAt;
  if (archivedAt !== undefined) merged.archivedAt = archivedAt;
  return merged;
}

const same = (a: StoredMessage, b: StoredMessage) =>
  a.status === b.status &&
  a.seq === b.seq &&
  a.archivedAt === b.archivedAt &&
  a.text === b.text &&
  a.sessionId === b.sessionId;

/** The messages of one conversation in this tab, keyed by id, with their display order. */
export interface Conversation {
  get(id: string): StoredMessage | undefined;
  /** Display order (see `compareMessages`); the same array until something changes. */
  list(): readonly StoredMessage[];
  /** Merges copies in; returns the messages that actually changed (what to store and broadcast). */
  apply(copies: readonly StoredMessage[]): StoredMessage[];
  pending(): StoredMessage[];
  /** Highest server sequence of the current (not archived) conversation. */
  lastSeq(): number;
  /** Marks every delivered message as belonging to an earlier conversation; returns the changes. */
  archive(at: number): StoredMessage[];
  clear(): void;
}

export function createConversation(): Conversation {
  const byId = new Map<string, StoredMessage>();
  let sorted: StoredMessage[] | undefined;
  const conversation: Conversation = {
    get: (id) => byId.get(id),
    list() {
      sorted ??= [...byId.values()].sort(compareMessages);
      return sorted;
    },
    apply(copies) {
      const changed: StoredMessage[] = [];
      for (const copy of copies) {
        const local = byId.get(copy.id);
        const merged = mergeMessage(local, copy);
        if (local && same(local, merged)) continue;
        byId.set(merged.id, merged);
        changed.push(merged);
      }
      if (changed.length > 0) sorted = undefined;
      return changed;
    },
    pending() {
      return conversation.list().filter((m) => m.status === 'pending');
    },
    lastSeq() {
      let max = 0;
      for (const m of byId.values()) {
        if (m.archivedAt === undefined && m.seq !== undefined && m.seq > max) max = m.seq;
      }
      return max;
    },
    archive(at) {
      const copies = [...byId.values()]
        .filter((m) => m.status !== 'pending' && m.archivedAt === undefined)
        .map((m) => ({ ...m, archivedAt: at }));
      return conversation.apply(copies);
    },
    clear() {
      byId.clear();
      sorted = undefined;
    },
  };
  return conversation;
}
