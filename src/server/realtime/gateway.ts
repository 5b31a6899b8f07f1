import type { Server, Socket } from 'socket.io';
import {
  type ClientToServerEvents,
  type ErrorCode,
  errorBody,
  type Failure,
  type ServerToClientEvents,
  validateActionResult,
  validateSessionInit,
  validateVisitorMessage,
} from '../../protocol/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SessionServices } from '../sessions/sessions.js';
import { pageOrigin } from '../site-settings.js';
import { SessionNotFoundError } from '../stores/session-store.js';

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
  sessions: SessionServices;
  logger: Logger;
  /** Counts the errors acked to clients, by code. */
  metrics?: Metrics;
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
 * Wires socket.io to the session services: decodes and validates each event, calls the service
 * and acks its answer. Each socket speaks for at most one session (`socket.data.sessionId`);
 * which socket holds a session, and everything else, is the services' business.
 *
 * @example attachGateway({ io, sessions, logger });
 */
export function attachGateway({ io, sessions, logger, metrics }: GatewayOptions): void {
  async function sessionInit(socket: LeFluxSocket, raw: unknown) {
    const checked = validateSessionInit(raw);
    if (!checked.ok) return failure('invalid_payload', checked.message);
    const result = await sessions.bind(checked.value, {
      socketId: socket.id,
      origin: pageOrigin(socket.handshake.headers),
      current: socket.data.sessionId,
    });
    if (!result.ok) return result;
    const { sessionId } = result.ack;
    socket.data.sessionId = sessionId;
    // It went away while binding: its disconnect found no session to leave.
    if (socket.disconnected) await sessions.leave(sessionId, socket.id);
    return new AckThen(result.ack, result.after);
  }

  async function visitorMessage(socket: LeFluxSocket, raw: unknown) {
    const sessionId = socket.data.sessionId;
    if (sessionId === undefined) return failure('not_bound', 'send session_init first');
    const checked = validateVisitorMessage(raw);
    if (!checked.ok) return failure('invalid_payload', checked.message);
    return sessions.message(sessionId, socket.id, checked.value);
  }

  async function actionResult(socket: LeFluxSocket, raw: unknown) {
    const sessionId = socket.data.sessionId;
    const checked = validateActionResult(raw);
    if (sessionId === undefined || !checked.ok) return;
    await sessions.actionResult(sessionId, socket.id, checked.value);
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
      const reply = typeof ack === 'function' ? (ack as (response: unknown) => void) : undefined;
      const respond = (response: unknown) => {
        const code = (response as Partial<Failure> | undefined)?.error?.code;
        if (code !== undefined) metrics?.error(code);
        reply?.(response);
      };
      work(socket, payload).then(
        (response) => {
          if (response instanceof AckThen) {
            respond(response.response);
            response.after();
          } else {
            respond(response);
          }
        },
        (error: unknown) => {
          if (error instanceof SessionNotFoundError) {
            respond(failure('session_not_found', error.message));
            return;
          }
          logger.error(`${event} handler failed (socket ${socket.id})`, error);
          respond(failure('internal', 'internal server error'));
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
      sessions
        .leave(sessionId, socket.id)
        .catch((error: unknown) => logger.error(`unbind failed (session ${sessionId})`, error));
    });
  });
}
