import { nanoid } from 'nanoid';
import type { Server, Socket } from 'socket.io';
import {
  type ChatMessage,
  type ClientToServerEvents,
  type ErrorCode,
  errorBody,
  type Failure,
  LIMITS,
  type ServerToClientEvents,
  type SessionInitOk,
  type SessionInitPayload,
  type VisitorMessageOk,
  validateActionResult,
  validateSessionInit,
  validateVisitorMessage,
} from '../../protocol/index.js';
import type { Agent } from '../agent/agent.js';
import type { MessageLog } from '../log/message-log.js';
import type { Logger } from '../logger.js';
import { secretsEqual } from '../secret.js';
import {
  SessionNotFoundError,
  type SessionRecord,
  type SessionStore,
} from '../stores/session-store.js';
import { createSessionQueue } from './session-queue.js';

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
  /** Resolves when queued messages and agent replies have settled. */
  drain(): Promise<void>;
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
  const { io, store, log, agent, now, logger } = options;
  // Acks depend only on intake; replies get their own chain so a slow agent never delays acks.
  const intake = createSessionQueue();
  const replies = createSessionQueue();

  async function record(session: SessionRecord, message: ChatMessage, url: string | undefined) {
    try {
      await log.append({
        sessionId: session.id,
        siteKey: session.siteKey,
        messageId: message.id,
        author: message.author,
        text: message.text,
        at: message.at,
        seq: message.seq ?? 0,
        url,
      });
    } catch (error) {
      // Logging must never break chat.
      logger.error(`message log append failed (session ${session.id})`, error);
    }
  }

  async function attach(
    socket: LeFluxSocket,
    session: SessionRecord,
    init: SessionInitPayload,
    resumed: boolean,
  ): Promise<SessionInitOk> {
    const before = socket.data.sessionId;
    if (before !== undefined && before !== session.id) {
      await store.unbind(before, socket.id);
      await socket.leave(before);
    }
    const previous = await store.bind(session.id, socket.id);
    if (previous !== undefined) {
      // The older socket stays connected (read-only); a session_init from it takes the session back.
      io.to(previous).emit('taken_over', {});
      io.in(previous).socketsLeave(session.id);
    }
    await socket.join(session.id);
    socket.data.sessionId = session.id;
    if (socket.disconnected) await store.unbind(session.id, socket.id);
    await store.setPage(session.id, { url: init.url, title: init.title });
    const missed = await store.messagesAfter(session.id, init.lastSeq ?? 0);
    return { ok: true, sessionId: session.id, token: session.token, resumed, missed };
  }

  async function sessionInit(socket: LeFluxSocket, raw: unknown) {
    const checked = validateSessionInit(raw);
    if (!checked.ok) return failure('invalid_payload', checked.message);
    const init = checked.value;
    const { sessionId, token } = init;
    if (sessionId === undefined || token === undefined) {
      const session = await store.create(init.siteKey, init.visitorId);
      return intake.run(session.id, () => attach(socket, session, init, false));
    }
    return intake.run(sessionId, async () => {
      const session = await store.get(sessionId);
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
    let reply: { text: string } | null;
    try {
      reply = await agent.reply({ session, message, url, title: session.title ?? '' });
    } catch (error) {
      logger.error(`agent failed to answer (session ${session.id})`, error);
      return;
    }
    const text = reply?.text.slice(0, LIMITS.maxTextLength) ?? '';
    if (text.trim() === '') return;
    const agentMessage: ChatMessage = { id: nanoid(), author: 'agent', text, at: now() };
    try {
      const { seq } = await store.appendMessage(session.id, agentMessage);
      agentMessage.seq = seq;
    } catch (error) {
      // Purged or evicted while the agent was thinking: nobody to answer.
      if (error instanceof SessionNotFoundError) return;
      throw error;
    }
    io.to(session.id).emit('agent_message', {
      id: agentMessage.id,
      text,
      at: agentMessage.at,
      seq: agentMessage.seq,
    });
    await record(session, agentMessage, url);
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
      const session = await store.get(sessionId);
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
      const { seq, duplicate } = await store.appendMessage(sessionId, message);
      if (!duplicate) {
        message.seq = seq;
        await store.touch(sessionId, now());
        if (url !== '') await store.setPage(sessionId, { url });
        await record(session, message, url);
        void replies.run(sessionId, () =>
          answer(session, message, url).catch((error) =>
            logger.error(`agent reply failed (session ${sessionId})`, error),
          ),
        );
      }
      return { ok: true, seq, duplicate };
    });
  }

  async function actionResult(socket: LeFluxSocket, raw: unknown) {
    const sessionId = socket.data.sessionId;
    const checked = validateActionResult(raw);
    if (sessionId === undefined || !checked.ok) return;
    // Tasks arrive later; for now a result only proves the visitor is active.
    await intake.run(sessionId, async () => {
      const session = await store.get(sessionId);
      if (session?.boundSocket === socket.id) await store.touch(sessionId, now());
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
        (response) => respond?.(response),
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
        .run(sessionId, () => store.unbind(sessionId, socket.id))
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
      // Behind both chains: no queued message or reply can log or store after the purge.
      return intake.run(sessionId, () =>
        replies.run(sessionId, async () => {
          const logRows = await log.purgeSession(sessionId);
          const live = await store.delete(sessionId);
          io.to(sessionId).emit('session_evicted', {});
          io.in(sessionId).disconnectSockets();
          return { live, logRows };
        }),
      );
    },

    async drain() {
      // Intake enqueues replies, never the other way round.
      await intake.idle();
      await replies.idle();
    },
  };
}
