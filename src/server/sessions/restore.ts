import { ID_PATTERN, type RestoreResponse } from '../../protocol/index.js';
import { secretsEqual } from '../secret.js';
import { SessionNotFoundError, type SessionRecord } from '../stores/session-store.js';
import { type AccessService, allowed, countingMisses } from './access.js';
import type { SessionServiceDeps } from './services.js';
import { SessionError } from './session-error.js';

export interface RestoreService {
  /**
   * The session's history and task for a re-mounted widget, authorised by its token. Reading is
   * not activity: a restore never postpones idle eviction. Limited per client `address`
   * (`restores`, and `misses`: an unknown id or a wrong token counts). Throws
   * `SessionNotFoundError`, or `SessionError` (`unauthorized`, `rate_limited`).
   */
  restore(sessionId: string, token: string, address: string): Promise<RestoreResponse>;
  /** The live session, or `SessionNotFoundError` (an id never issued counts as unknown). */
  live(sessionId: string): Promise<SessionRecord>;
}

export function createRestoreService(
  deps: SessionServiceDeps,
  access: AccessService,
): RestoreService {
  const { store, tasks, sites, limiter, metrics } = deps;

  async function live(sessionId: string): Promise<SessionRecord> {
    // An id outside the pattern was never issued: same answer as an unknown one.
    const session = ID_PATTERN.test(sessionId) ? await store.sessions.get(sessionId) : undefined;
    if (!session) throw new SessionNotFoundError(sessionId);
    return session;
  }

  return {
    live,
    async restore(sessionId, token, address) {
      await access.admit(address);
      allowed(await limiter.take('restores', address), 'restores');
      const session = await countingMisses(access, address, async () => {
        const found = await live(sessionId).catch((error: unknown) => {
          if (error instanceof SessionNotFoundError) metrics?.restored(false);
          throw error;
        });
        if (!secretsEqual(found.token, token)) {
          throw new SessionError('unauthorized', 'the token does not match this session');
        }
        return found;
      });
      // First: a task whose hold ran out ends now, and its message is in this history. The
      // record names the task in flight, so most restores (no task) take no lock (on Redis,
      // three round trips); a task started meanwhile reaches the page in its session_init ack.
      const task =
        session.taskId === undefined
          ? null
          : await store.lock.run(sessionId, () => tasks.current(sessionId));
      const body: RestoreResponse = {
        session: {
          id: session.id,
          siteKey: session.siteKey,
          createdAt: session.createdAt,
          lastActiveAt: session.lastActiveAt,
        },
        history: await store.history.after(sessionId, 0),
        task,
      };
      const { retention } = sites(session.siteKey);
      if (retention) body.retention = retention;
      metrics?.restored(true);
      return body;
    },
  };
}
