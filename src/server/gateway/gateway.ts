import type { Server, Socket } from 'socket.io';
import {
  type ChatMessage,
  type ClientToServerEvents,
  type ErrorCode,
  errorBody,
  type Failure,
  type ServerToClientEvents,
  type SessionInitOk,
  type SessionInitPayload,
  type TaskInfo,
  type VisitorMessageOk,
  validateActionResult,
  validateSessionInit,
  validateVisitorMessage,
} from '../../protocol/index.js';
import type { Agent, AgentReply } from '../agent/agent.js';
import { sessionData } from '../agent/session-data.js';
import type { MessageLog } from '../log/message-log.js';
import type { Logger } from '../logger.js';
import { secretsEqual } from '../secret.js';
import type { SiteContext } from '../site/site-search.js';
import { originAllowed, pageOrigin, type SiteSettingsLookup } from '../site-settings.js';
import { createLocalSessionLock } from '../stores/session-lock.js';
import {
  SessionNotFoundError,
  type SessionRecord,
  type SessionStore,
} from '../stores/session-store.js';
import { createTaskRunner } from '../tasks/task-runner.js';
import { createConversation } from './conversation.js';

/** Per-socket state socket.io keeps for us (and would share across nodes with an adapter). */
export interface SocketData {
  /** The session this socket last initialised; the store says whether it still holds it. */
  sessionId?: string;
}

type InterServerEvents = Record<string, never>;
export type LeFluxIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
type LeFluxSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

export interface GatewayOptions {
  io: LeFluxIo;
  store: SessionStore;
  log: MessageLog;
  agent: Agent;
  /** The site's crawled context, handed to the agent. */
  site: SiteContext;
  /** Per-site settings (`LEFLUX_SITES`): allowed origins and browser retention. */
  sites: SiteSettingsLookup;
  /** Whether a site's messages go to the message log. */
  logged: (siteKey: string) => boolean;
  /** How long a task waits for its page to come back (`LEFLUX_TASK_HOLD_MS`). */
  taskHoldMs: number;
  /** How long an `ask` step waits for the visitor's answer (`LEFLUX_WAIT_TTL_MS`). */
  waitTtlMs: number;
  now: () => number;
  logger: Logger;
}

export interface PurgeResult {
  /** A live session existed and was removed. */
  live: boolean;
  /** Message log rows removed. */
  logRows: number;
}

export interface Gateway {
  /** Tells the sockets of evicted sessions (`session_evicted`) and drops them from the rooms. */
  notifyEvicted(sessionIds: readonly string[]): void;
  /**
   * Removes a session everywhere: message log rows, the live session, and its sockets
   * (told `session_evicted`, then disconnected). Runs after the session's queued work, so
   * nothing in flight writes it back. Rejects, leaving the live session, if the log fails.
   */
  purge(sessionId: string): Promise<PurgeResult>;
  /** The session's agent task for restore, after ending it if its time ran out. */
  task(sessionId: string): Promise<TaskInfo | null>;
  /** Ends tasks whose hold, step or wait ran out at `now`; the sweeper calls it. */
  sweepTasks(now: number): Promise<void>;
  /** Resolves when queued messages, agent replies and task work have settled. */
  drain(): Promise<void>;
}

/** A handler's response plus work to do once the client holds it (the next task `action`). */
class AckThen<T> {
  constructor(
    readonly response: T,
    readonly after: () => void,
  ) {}
}

const failure = (code: ErrorCode, message: string): Failure => ({
  ok: false,
  ...errorBody(code, message),
});

/**
 * Wires the socket events to the store, the message log and the agent. Each socket
 * speaks for at most one session; each session is held by one socket (newer wins) and
 * has a room named by its id, so emits reach the holder wherever it is connected.
 */
export function attachGateway(options: GatewayOptions): Gateway {
  const { io, store, log, agent, site, sites, now, logger } = options;
  // Acks depend only on intake; replies get their own chain so a slow agent never delays acks.
  // Task changes have a third chain; intake and replies may wait on it, never the reverse.
  const intake = createLocalSessionLock();
  const replies = createLocalSessionLock();
  const conversation = createConversation({
    io,
    store,
    log,
    logged: options.logged,
    now,
    logger,
  });
  const tasks = createTaskRunner({
    io,
    store,
    conversation,
    now,
    logger,
    holdMs: options.taskHoldMs,
    waitTtlMs: options.waitTtlMs,
  });

  async function attach(
    socket: LeFluxSocket,
    session: SessionRecord,
    init: SessionInitPayload,
    resumed: boolean,
  ): Promise<AckThen<SessionInitOk>> {
    const before = socket.data.sessionId;
    if (before !== undefined && before !== session.id) {
      if (await store.sockets.unbind(before, socket.id)) await tasks.socketLost(before);
      await socket.leave(before);
    }
    const previous = await store.sockets.bind(session.id, socket.id);
    if (previous !== undefined) {
      // The older socket stays connected (read-only); a session_init from it takes the session back.
      io.to(previous).emit('taken_over', {});
      io.in(previous).socketsLeave(session.id);
    }
    await socket.join(session.id);
    socket.data.sessionId = session.id;
    if (socket.disconnected) await store.sockets.unbind(session.id, socket.id);
    await store.sessions.setPage(session.id, { url: init.url, title: init.title });
    if (init.contact) await store.visitors.save(session.id, init.contact);
    // Before `missed`: an aborted task's message must be in this ack.
    const bound = await tasks.sessionBound(session.id, init.url);
    const missed = await store.history.after(session.id, init.lastSeq ?? 0);
    const ack: SessionInitOk = {
      ok: true,
      sessionId: session.id,
      token: session.token,
      resumed,
      missed,
      task: bound.task,
    };
    const { retention } = sites(session.siteKey);
    if (retention) ack.retention = retention;
    return new AckThen(ack, bound.after);
  }

  async function sessionInit(socket: LeFluxSocket, raw: unknown) {
    const checked = validateSessionInit(raw);
    if (!checked.ok) return failure('invalid_payload', checked.message);
    const init = checked.value;
    // Before any session is created or resumed: a site that lists its origins accepts no other.
    const origin = pageOrigin(socket.handshake.headers);
    if (!originAllowed(sites(init.siteKey), origin)) {
      return failure(
        'origin_not_allowed',
        `pages on ${origin ?? 'an unknown origin'} may not use site ${init.siteKey}`,
      );
    }
    const { sessionId, token } = init;
    if (sessionId === undefined || token === undefined) {
      const session = await store.sessions.create(init.siteKey, init.visitorId);
      return intake.run(session.id, () => attach(socket, session, init, false));
    }
    return intake.run(sessionId, async () => {
      const session = await store.sessions.get(sessionId);
      if (!session || session.siteKey !== init.siteKey) {
        return failure('session_not_found', `session ${sessionId} does not exist or was evicted`);
      }
      if (!secretsEqual(session.token, token)) {
        return failure('unauthorized', 'the token does not match this session');
      }
      return attach(socket, session, init, true);
    });
  }

  async function answer(session: SessionRecord, message: ChatMessage, url: string) {
    let reply: AgentReply | null;
    try {
      reply = await agent.reply({
        session,
        message,
        page: { url, title: session.title ?? '' },
        site,
        data: sessionData(store, session),
      });
    } catch (error) {
      logger.error(`agent failed to answer (session ${session.id})`, error);
      return;
    }
    if (reply?.text) await conversation.postAgentMessage(session.id, reply.text, { url });
    if (reply?.task) await tasks.start(session.id, reply.task);
  }

  async function visitorMessage(
    socket: LeFluxSocket,
    raw: unknown,
  ): Promise<VisitorMessageOk | Failure> {
    const sessionId = socket.data.sessionId;
    if (sessionId === undefined) return failure('not_bound', 'send session_init first');
    const checked = validateVisitorMessage(raw);
    if (!checked.ok) return failure('invalid_payload', checked.message);
    const { id, text, url, sentAt } = checked.value;
    return intake.run(sessionId, async () => {
      const session = await store.sessions.get(sessionId);
      if (!session) {
        return failure('session_not_found', `session ${sessionId} does not exist or was evicted`);
      }
      if (session.boundSocket !== socket.id) {
        return failure(
          'not_bound',
          'another connection holds this session; send session_init to take it back',
        );
      }
      const message: ChatMessage = { id, author: 'visitor', text, at: sentAt };
      const { seq, duplicate } = await store.history.append(sessionId, message);
      if (!duplicate) {
        message.seq = seq;
        await store.sessions.touch(sessionId, now());
        // A store write only when the page changed: most messages come from the page the last one did.
        if (url !== '' && url !== session.url) await store.sessions.setPage(sessionId, { url });
        await conversation.record(session, message, url);
        void replies.run(sessionId, async () => {
          try {
            // An answer to an open `ask` resumes its task; the agent never sees it.
            if (await tasks.answer(sessionId, message)) return;
            await answer(session, message, url);
          } catch (error) {
            logger.error(`agent reply failed (session ${sessionId})`, error);
          }
        });
      }
      return { ok: true, seq, duplicate };
    });
  }

  async function actionResult(socket: LeFluxSocket, raw: unknown) {
    const sessionId = socket.data.sessionId;
    const checked = validateActionResult(raw);
    if (sessionId === undefined || !checked.ok) return;
    await intake.run(sessionId, async () => {
      const session = await store.sessions.get(sessionId);
      // Only the holder speaks for the session; an older tab's late result is ignored.
      if (session?.boundSocket !== socket.id) return;
      await store.sessions.touch(sessionId, now());
      await tasks.result(sessionId, socket.id, checked.value);
    });
  }

  /** Adapts an async handler to socket.io: never throws, acks only when the client asked. */
  function handler<T>(
    socket: LeFluxSocket,
    event: string,
    work: (socket: LeFluxSocket, payload: unknown) => Promise<T>,
  ) {
    return (payload: unknown, ...rest: unknown[]) => {
      let ack = rest[0];
      // A client that emits with no payload but an ack puts the ack first.
      if (typeof payload === 'function' && ack === undefined) [payload, ack] = [undefined, payload];
      const respond = typeof ack === 'function' ? (ack as (response: unknown) => void) : undefined;
      work(socket, payload).then(
        (response) => {
          if (response instanceof AckThen) {
            respond?.(response.response);
            response.after();
          } else {
            respond?.(response);
          }
        },
        (error: unknown) => {
          if (error instanceof SessionNotFoundError) {
            respond?.(failure('session_not_found', error.message));
            return;
          }
          logger.error(`${event} handler failed (socket ${socket.id})`, error);
          respond?.(failure('internal', 'internal server error'));
        },
      );
    };
  }

  io.on('connection', (socket) => {
    socket.on('session_init', handler(socket, 'session_init', sessionInit));
    socket.on('visitor_message', handler(socket, 'visitor_message', visitorMessage));
    socket.on('action_result', handler(socket, 'action_result', actionResult));
    socket.on('disconnect', () => {
      const sessionId = socket.data.sessionId;
      if (sessionId === undefined) return;
      intake
        .run(sessionId, async () => {
          // Only the holder leaving holds the task; an older tab closing changes nothing.
          if (await store.sockets.unbind(sessionId, socket.id)) await tasks.socketLost(sessionId);
        })
        .catch((error) => logger.error(`unbind failed (session ${sessionId})`, error));
    });
  });

  return {
    notifyEvicted(sessionIds) {
      for (const id of sessionIds) {
        io.to(id).emit('session_evicted', {});
        io.in(id).socketsLeave(id);
      }
    },

    purge(sessionId) {
      // Behind every chain: no queued message, reply or task step can log or store after it.
      return intake.run(sessionId, () =>
        replies.run(sessionId, () =>
          tasks.exclusive(sessionId, async () => {
            const logRows = await log.purgeSession(sessionId);
            const live = await store.sessions.delete(sessionId);
            io.to(sessionId).emit('session_evicted', {});
            io.in(sessionId).disconnectSockets();
            return { live, logRows };
          }),
        ),
      );
    },

    task(sessionId) {
      return tasks.current(sessionId);
    },

    sweepTasks(at) {
      return tasks.sweep(at);
    },

    async drain() {
      // Intake enqueues replies and task work, replies enqueue task work; never the reverse.
      await intake.idle();
      await replies.idle();
      await tasks.idle();
    },
  };
}
