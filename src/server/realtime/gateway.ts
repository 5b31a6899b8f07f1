import type { Server, Socket } from 'socket.io';
import {
  type ClientToServerEvents,
  type ErrorCode,
  errorBody,
  type Failure,
  isSiteKey,
  type ServerToClientEvents,
  validateActionResult,
  validateSessionInit,
  validateVisitorMessage,
} from '../../protocol/index.js';
import { clientAddress } from '../limits/client-address.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SessionServices } from '../sessions/sessions.js';
import { originAllowed, pageOrigin, type SiteSettingsLookup } from '../site-settings.js';
import { SessionNotFoundError } from '../stores/session-store.js';

/** Per-socket state socket.io keeps for us (and would share across nodes with an adapter). */
export interface SocketData {
  /** The site the socket was opened for (the handshake's `auth.siteKey`); it speaks for no other. */
  siteKey: string;
  /** The client's address, for the limits. */
  address: string;
  /** The session this socket last initialised; the store says whether it still holds it. */
  sessionId?: string;
}

/** What a widget says when it opens its socket (socket.io's `auth`). */
export interface HandshakeAuth {
  siteKey: string;
}

/** The code a refused handshake carries in `connect_error`'s `data`. */
export interface HandshakeRefusal {
  code: ErrorCode;
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
  /** Per-site settings: the handshake's origin is checked against `allowedOrigins`. */
  sites: SiteSettingsLookup;
  logger: Logger;
  /** The most sessions this node holds sockets for (`LEFLUX_MAX_SESSIONS`). */
  maxSessions: number;
  /** Proxies of the operator's own before this server (`LEFLUX_TRUSTED_PROXIES`). Default 0. */
  trustedProxies?: number;
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

/** The event names a client may send; anything else with an ack is answered `invalid_payload`. */
const CLIENT_EVENTS: ReadonlySet<string> = new Set<keyof ClientToServerEvents>([
  'session_init',
  'visitor_message',
  'action_result',
]);

/** A handshake refusal as socket.io sends it (`connect_error` with `data.code`): no reconnection. */
function refused(code: ErrorCode, message: string): Error & { data: HandshakeRefusal } {
  return Object.assign(new Error(message), { data: { code } });
}

/**
 * Wires socket.io to the session services: decodes and validates each event, calls the service
 * and acks its answer. Each socket is opened for one site (the handshake's `auth.siteKey`, whose
 * `allowedOrigins` the page's origin must be in) and speaks for at most one session of it
 * (`socket.data.sessionId`); which socket holds a session, and everything else, is the
 * services' business.
 *
 * @example attachGateway({ io, sessions, sites, logger, maxSessions: 20_000 });
 */
export function attachGateway({
  io,
  sessions,
  sites,
  logger,
  metrics,
  maxSessions,
  trustedProxies = 0,
}: GatewayOptions): void {
  /** Sockets of this node that hold (or last held) a session: the node's live sessions. */
  let holding = 0;

  // The handshake: before a socket exists, its page's origin must be one its site allows.
  io.use((socket, next) => {
    const siteKey = (socket.handshake.auth as Partial<HandshakeAuth> | undefined)?.siteKey;
    if (!isSiteKey(siteKey)) {
      return next(refused('invalid_payload', 'the handshake must name the site: auth.siteKey'));
    }
    const origin = pageOrigin(socket.handshake.headers);
    if (!originAllowed(sites(siteKey), origin)) {
      return next(
        refused(
          'origin_not_allowed',
          `pages on ${origin ?? 'an unknown origin'} may not use site ${siteKey}`,
        ),
      );
    }
    socket.data.siteKey = siteKey;
    socket.data.address = clientAddress(
      socket.handshake.headers,
      socket.handshake.address,
      trustedProxies,
    );
    next();
  });

  async function sessionInit(socket: LeFluxSocket, raw: unknown) {
    const checked = validateSessionInit(raw);
    if (!checked.ok) return failure('invalid_payload', checked.message);
    if (checked.value.siteKey !== socket.data.siteKey) {
      return failure(
        'invalid_payload',
        `this connection was opened for site ${socket.data.siteKey}, not ${checked.value.siteKey}`,
      );
    }
    const result = await sessions.bind(checked.value, {
      socketId: socket.id,
      origin: pageOrigin(socket.handshake.headers),
      current: socket.data.sessionId,
      address: socket.data.address,
      full: holding >= maxSessions,
    });
    if (!result.ok) return result;
    const { sessionId } = result.ack;
    if (socket.data.sessionId === undefined && socket.connected) holding++;
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
    if (sessionId === undefined) return failure('not_bound', 'send session_init first');
    const checked = validateActionResult(raw);
    // Not acked by the widget; a client that asks for an answer gets one.
    if (!checked.ok) return failure('invalid_payload', checked.message);
    await sessions.actionResult(sessionId, socket.id, checked.value);
    return { ok: true };
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
    socket.onAny((event: string, ...args: unknown[]) => {
      if (CLIENT_EVENTS.has(event)) return;
      const ack = args[args.length - 1];
      if (typeof ack === 'function') {
        (ack as (response: Failure) => void)(
          failure('invalid_payload', `unknown event ${JSON.stringify(event).slice(0, 80)}`),
        );
      }
    });
    socket.on('disconnect', () => {
      const sessionId = socket.data.sessionId;
      if (sessionId === undefined) return;
      holding--;
      sessions
        .leave(sessionId, socket.id)
        .catch((error: unknown) => logger.error(`unbind failed (session ${sessionId})`, error));
    });
  });
}
