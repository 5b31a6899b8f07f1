import { compareMessages, type DeliveryStatus, type StoredMessage } from '../storage/history.js';

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

/** Past this many changes at once, one sort is cheaper than inserting each in place. */
const BULK = 64;

/** Index after the last message that sorts at or before `message` (binary search). */
function insertionPoint(list: readonly StoredMessage[], message: StoredMessage): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareMessages(list[mid] as StoredMessage, message) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

export function createConversation(): Conversation {
  const byId = new Map<string, StoredMessage>();
  /** Never mutated once built: a change makes a new array, so `list()` results stay as they were. */
  let sorted: StoredMessage[] = [];
  const conversation: Conversation = {
    get: (id) => byId.get(id),
    list: () => sorted,
    apply(copies) {
      const changed: StoredMessage[] = [];
      const replaced: Array<StoredMessage | undefined> = [];
      for (const copy of copies) {
        const local = byId.get(copy.id);
        const merged = mergeMessage(local, copy);
        if (local && same(local, merged)) continue;
        byId.set(merged.id, merged);
        changed.push(merged);
        replaced.push(local);
      }
      if (changed.length > BULK) {
        sorted = [...byId.values()].sort(compareMessages);
      } else if (changed.length > 0) {
        // A few changes (a new message, a delivery): move each into place, no re-sort.
        const next = sorted.slice();
        changed.forEach((message, i) => {
          const old = replaced[i];
          const at = old ? next.lastIndexOf(old) : -1;
          if (at >= 0) next.splice(at, 1);
          next.splice(insertionPoint(next, message), 0, message);
        });
        sorted = next;
      }
      return changed;
    },
    pending() {
      return sorted.filter((m) => m.status === 'pending');
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
      sorted = [];
    },
  };
  return conversation;
}
