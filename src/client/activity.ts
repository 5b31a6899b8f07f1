import type { SessionRecord } from './storage/session-records.js';
import type { Activity } from './types.js';

/**
 * Time the visitor spends with the page visible and a session alive, and their last action,
 * kept in the session record so they add up across page loads (and tabs).
 */
export interface ActivityTracker {
  /** A session was created or adopted by this page: visible time counts from `at`. */
  sessionStarted(at: number): void;
  /** Adds the visible time since the last call to the record (visibility change, page hide). */
  settle(): void;
  /** The visitor did something (sent, opened, closed, gave contact details). */
  touch(): void;
  /** The last action in this page, for a session record written before any existed. */
  lastAction(): number | undefined;
  snapshot(firstSessionAt: number | undefined): Activity;
}

export function createActivityTracker(options: {
  now: () => number;
  isVisible: () => boolean;
  readSession: () => SessionRecord | undefined;
  /** Read-modify-write of the session record; nothing when there is no session. */
  updateSession: (patch: (current: SessionRecord) => Partial<SessionRecord>) => void;
}): ActivityTracker {
  const { now, isVisible, readSession, updateSession } = options;
  /** Start of the current visible stretch of this page, while a session is alive. */
  let visibleSince = readSession() && isVisible() ? now() : undefined;
  let lastAction: number | undefined;

  return {
    sessionStarted(at) {
      visibleSince = isVisible() ? at : undefined;
    },
    settle() {
      const at = now();
      if (visibleSince !== undefined) {
        const elapsed = Math.max(0, at - visibleSince);
        updateSession((current) => ({ activeMs: (current.activeMs ?? 0) + elapsed }));
      }
      visibleSince = readSession() && isVisible() ? at : undefined;
    },
    touch() {
      lastAction = now();
      updateSession(() => ({ lastActiveAt: lastAction }));
    },
    lastAction: () => lastAction,
    snapshot(firstSessionAt) {
      const current = readSession();
      const live = current && visibleSince !== undefined ? Math.max(0, now() - visibleSince) : 0;
      return {
        activeTime: (current?.activeMs ?? 0) + live,
        lastActive: current?.lastActiveAt ?? null,
        isReturningUser:
          firstSessionAt !== undefined &&
          (current?.startedAt === undefined || firstSessionAt < current.startedAt),
      };
    },
  };
}
