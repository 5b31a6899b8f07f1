import {
  type ErrorCode,
  errorBody,
  type Failure,
  type SessionIdentity,
  type SessionInitOk,
  type SessionInitPayload,
} from '../../protocol/index.js';
import { secretsEqual } from '../secret.js';
import { originAllowed } from '../site-settings.js';
import type { SessionRecord } from '../stores/session-store.js';
import { type AccessService, retryAfterSeconds } from './access.js';
import { checkIdentity } from './identity.js';
import type { SessionServiceDeps } from './services.js';
import { SessionError } from './session-error.js';

/** Who asks to bind: the socket, the page's origin, and the session it spoke for until now. */
export interface BindFrom {
  socketId: string;
  /** The page's origin (the handshake's `Origin`), checked against the site's list. */
  origin: string | undefined;
  /** The session this socket held before, if any: it lets go of it first. */
  current?: string;
  /** The client's address, for the limits (`sessionStarts`, `misses`). */
  address: string;
  /** This node holds as many sessions as it may (`LEFLUX_MAX_SESSIONS`): start none. */
  full?: boolean;
}

/** How long a visitor refused by a full node waits before trying again. */
export const SERVER_FULL_RETRY_S = 10;

/** The `session_init` ack, and what to do once the client holds it (the task's next step). */
export type BindResult = { ok: true; ack: SessionInitOk; after(): void } | Failure;

export interface BindService {
  /**
   * `session_init`: starts a session, or resumes one with its token, and binds the socket to it
   * (a socket that held it before is told it was taken over). The ack carries what the client
   * missed after `lastSeq` and the task in flight.
   */
  bind(init: SessionInitPayload, from: BindFrom): Promise<BindResult>;
  /** The socket no longer speaks for the session (it disconnected, or bound another one). */
  leave(sessionId: string, socketId: string): Promise<void>;
}

export const failure = (code: ErrorCode, message: string, retryAfter?: number): Failure => ({
  ok: false,
  ...errorBody(code, message, retryAfter),
});

/** A `SessionError` thrown by the limits, as the ack's refusal. */
const refusal = (error: unknown): Failure => {
  if (error instanceof SessionError) return failure(error.code, error.message, error.retryAfter);
  throw error;
};

export function createBindService(deps: SessionServiceDeps, access: AccessService): BindService {
  const { store, tasks, channel, conversation, feed, sites, logger, limiter, metrics } = deps;
  const { lock } = store;

  function leave(sessionId: string, socketId: string): Promise<void> {
    return lock.run(sessionId, async () => {
      // Only the holder leaving holds the task; an older tab closing changes nothing.
      if (await store.sockets.unbind(sessionId, socketId)) await tasks.socketLost(sessionId);
    });
  }

  /** Binds the socket to `session` (under its lock). */
  async function attach(
    session: SessionRecord,
    init: SessionInitPayload,
    { socketId }: BindFrom,
    resumed: boolean,
    identity: SessionIdentity | undefined,
  ): Promise<BindResult> {
    const { id } = session;
    const previous = await store.sockets.bind(id, socketId);
    // The older socket stays connected (read-only); a session_init from it takes the session back.
    if (previous !== undefined) {
      channel.takenOver(previous, id);
      metrics?.tookOver();
    }
    await channel.join(socketId, id);
    await store.sessions.setPage(id, { url: init.url, title: init.title });
    if (init.contact) await store.visitors.save(id, init.contact);
    if (identity) await store.sessions.setIdentity(id, identity);
    // Before `missed`: an aborted task's message must be in this ack.
    const bound =
      session.taskId === undefined
        ? { task: null, resume: false }
        : await tasks.sessionBound(id, init.url);
    const missed = await store.history.after(id, init.lastSeq ?? 0);
    await conversation.relog(session, missed);
    const ack: SessionInitOk = {
      ok: true,
      sessionId: id,
      token: session.token,
      resumed,
      missed,
      task: bound.task,
    };
    const { retention } = sites(session.siteKey);
    if (retention) ack.retention = retention;
    return {
      ok: true,
      ack,
      after() {
        feed.publish(session.siteKey, { type: 'session', sessionId: id });
        if (bound.aborted) channel.emit(id, 'task_aborted', bound.aborted);
        if (!bound.resume) return;
        lock
          .run(id, () => tasks.advance(id))
          .catch((error: unknown) => logger.error(`task failed to resume (session ${id})`, error));
      },
    };
  }

  return {
    leave,

    async bind(init, from) {
      // Before any session is created or resumed: a site that lists its origins accepts no other.
      if (!originAllowed(sites(init.siteKey), from.origin)) {
        return failure(
          'origin_not_allowed',
          `pages on ${from.origin ?? 'an unknown origin'} may not use site ${init.siteKey}`,
        );
      }
      // Checked before anything changes: a wrong hash keeps the session, and the identity it
      // holds, as they were. No secret or no hash: an unverified claim, kept as such.
      const identity =
        init.identity && checkIdentity(init.identity, sites(init.siteKey).identitySecret);
      if (identity === 'invalid') {
        return failure(
          'invalid_identity',
          `userHash is not the HMAC-SHA256 of userId ${JSON.stringify(init.identity?.userId)} with site ${init.siteKey}'s identity secret`,
        );
      }
      const { sessionId, token } = init;
      const fresh = sessionId === undefined || token === undefined;
      // Refused before the socket lets go of the session it holds: a refusal changes nothing.
      if (fresh && from.full) {
        return failure(
          'server_full',
          'this server holds as many conversations as it may; try again shortly',
          SERVER_FULL_RETRY_S,
        );
      }
      try {
        await access.admit(from.address);
        if (fresh) {
          const started = await limiter.take('sessionStarts', from.address);
          if (!started.ok) {
            const seconds = retryAfterSeconds(started.retryAfterMs);
            return failure(
              'rate_limited',
              `too many new conversations from this address; try again in ${seconds} s`,
              seconds,
            );
          }
        }
      } catch (error) {
        return refusal(error);
      }
      if (from.current !== undefined && from.current !== sessionId) {
        await leave(from.current, from.socketId);
        channel.leave(from.socketId, from.current);
      }
      if (fresh) {
        const session = await store.sessions.create(init.siteKey, init.visitorId);
        return lock.run(session.id, () => attach(session, init, from, false, identity));
      }
      const answer = await lock.run(sessionId, async () => {
        const session = await store.sessions.get(sessionId);
        if (!session || session.siteKey !== init.siteKey) {
          return failure('session_not_found', `session ${sessionId} does not exist or was evicted`);
        }
        if (!secretsEqual(session.token, token)) {
          return failure('unauthorized', 'the token does not match this session');
        }
        return attach(session, init, from, true, identity);
      });
      if (!answer.ok) await access.missed(from.address);
      return answer;
    },
  };
}
