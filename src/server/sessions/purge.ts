import { ID_PATTERN } from '../../protocol/index.js';
import { secretsEqual } from '../secret.js';
import { SessionNotFoundError } from '../stores/session-store.js';
import { type AccessService, allowed, countingMisses } from './access.js';
import type { SessionServiceDeps } from './services.js';
import { SessionError } from './session-error.js';

/** Who may purge: the session's owner (its token), or an operator the caller authenticated. */
export type PurgeAuthority = { token: string } | { operator: true };

export interface PurgeService {
  /**
   * Removes a session everywhere: message log rows, the live session, and its sockets (told
   * `session_evicted`, then disconnected), after the session's work in progress, so nothing in
   * flight writes it back. An operator may also purge the log of an already evicted session.
   * Throws `SessionNotFoundError` when there was nothing to remove, `SessionError`
   * (`unauthorized`) on a wrong token; rejects, keeping the live session, if the log fails.
   * Limited per client `address` (`purges`, and `misses` for a token holder's unknown id or
   * wrong token): `SessionError` (`rate_limited`). An operator is not limited.
   */
  purge(
    sessionId: string,
    by: PurgeAuthority,
    address: string,
  ): Promise<{ live: boolean; logRows: number }>;
  /** An operator's purge (the dashboard's): not limited, so no address. */
  purge(sessionId: string, by: { operator: true }): Promise<{ live: boolean; logRows: number }>;
}

export function createPurgeService(deps: SessionServiceDeps, access: AccessService): PurgeService {
  const { store, log, channel, feed, limiter } = deps;
  return {
    async purge(sessionId: string, by: PurgeAuthority, address?: string) {
      if ('operator' in by || address === undefined) return remove(sessionId, by);
      await access.admit(address);
      allowed(await limiter.take('purges', address), 'purges');
      return countingMisses(access, address, () => remove(sessionId, by));
    },
  };

  function remove(sessionId: string, by: PurgeAuthority) {
    if (!ID_PATTERN.test(sessionId)) throw new SessionNotFoundError(sessionId);
    return store.lock.run(sessionId, async () => {
      const session = await store.sessions.get(sessionId);
      if ('token' in by) {
        if (!session) throw new SessionNotFoundError(sessionId);
        if (!secretsEqual(session.token, by.token)) {
          throw new SessionError('unauthorized', 'the token does not match this session');
        }
      }
      const logRows = await log.purgeSession(sessionId);
      const live = await store.sessions.delete(sessionId);
      channel.ended(sessionId, { disconnect: true });
      if (session) feed.publish(session.siteKey, { type: 'ended', sessionId });
      if (!live && logRows === 0) throw new SessionNotFoundError(sessionId);
      return { live, logRows };
    });
  }
}
