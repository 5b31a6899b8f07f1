import type { Socket } from 'socket.io-client';
import type {
  ActionResultPayload,
  ClientToServerEvents,
  Failure,
  ServerToClientEvents,
  SessionInitPayload,
  VisitorMessagePayload,
} from '../../protocol/index.js';
import { schedule as realSchedule, type Schedule } from '../schedule.js';

/**
 * What the transport reports to the session. It holds no conversation state of its own, and
 * checks nothing: payloads arrive as `unknown` and the session's inbox validates them.
 */
export type ConnectionEvents = {
  /** The socket is (re)connected and needs a `session_init` before anything else. */
  connected(): void;
  disconnected(reason: string): void;
  /**
   * The server refused the socket's handshake (the page's origin, for its site), saying why:
   * socket.io does not try again.
   */
  refused(why: string): void;
} & ServerEvents;

/** The server's events, by their names on the wire (`ServerToClientEvents`), unchecked. */
export type ServerEvents = Record<keyof ServerToClientEvents, (payload: unknown) => void>;

const SERVER_EVENTS: readonly (keyof ServerToClientEvents)[] = [
  'agent_message',
  'agent_typing',
  'action',
  'task_aborted',
  'task_done',
  'taken_over',
  'session_evicted',
];

/** The server's answer to a request (an ack), unchecked; a `Failure` when none came in time. */
export type AckAnswer = unknown;

export interface Connection {
  init(payload: SessionInitPayload): Promise<AckAnswer>;
  sendMessage(payload: VisitorMessagePayload): Promise<AckAnswer>;
  reportAction(result: ActionResultPayload): void;
  readonly connected: boolean;
  close(): void;
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ConnectionOptions {
  server: string;
  /** The site the socket is for: the server checks the page's origin against it at the handshake. */
  siteKey: string;
  events: ConnectionEvents;
  /** How long to wait for an ack before treating the request as lost (it is retried). Default 10 s. */
  ackTimeoutMs?: number;
  /** The ack timeout's timer. Default `setTimeout`. */
  schedule?: Schedule;
}

/** What a request resolves with when no ack came: in time, or before the socket dropped. */
export const noAnswer: Failure = {
  ok: false,
  error: { code: 'internal', message: 'no answer from the server' },
};

/** Fetches socket.io-client ahead of need (the window opened, a tab may take the socket over). */
export const preloadConnection = (): void =>
  // Naming what is used (`io`) keeps the bundle to it; a bare import would keep every export.
  void import('socket.io-client').then(
    ({ io }) => io,
    () => {},
  );

/**
 * Opens the socket.io connection. socket.io-client is loaded on demand so that a page whose
 * visitor never chats does not pay for it up front. Reconnection is socket.io's own.
 */
export async function openConnection(options: ConnectionOptions): Promise<Connection> {
  const { io } = await import('socket.io-client');
  const { events, ackTimeoutMs = 10_000, schedule = realSchedule } = options;
  const socket: ClientSocket = io(options.server, {
    auth: { siteKey: options.siteKey },
    // WebSocket first; long-polling only once an attempt failed (below), as socket.io's guide
    // does: a plain chat never downloads it.
    transports: ['websocket'],
    tryAllTransports: true,
    reconnectionDelay: 300,
    reconnectionDelayMax: 5_000,
  });
  // A failed attempt (refused, or closed before it was up) may be a network that blocks
  // WebSockets: socket.io's own reconnection tries again with polling as the fallback, once its
  // code is here.
  let fallback = false;
  const withPolling = () => {
    if (fallback) return;
    fallback = true;
    void import('./polling.js').then(
      ({ enablePolling }) => {
        enablePolling();
        socket.io.opts.transports = ['websocket', 'polling'];
      },
      () => {},
    );
  };
  socket.once('connect_error', withPolling);
  socket.io.once('reconnect_attempt', withPolling);
  /** Requests waiting for their ack: a dropped socket answers them all with `noAnswer` at once. */
  const waiting = new Set<() => void>();
  socket.on('connect', () => events.connected());
  socket.on('connect_error', (error) => {
    // Refused by the server's handshake, not a network failure: socket.io gives up (`active`).
    if (!socket.active) events.refused(error.message);
  });
  socket.on('disconnect', (reason) => {
    for (const giveUp of [...waiting]) giveUp();
    events.disconnected(reason);
  });
  for (const name of SERVER_EVENTS)
    (socket.on as (event: string, listener: (payload: unknown) => void) => void)(name, (payload) =>
      events[name](payload),
    );

  const request = <E extends 'session_init' | 'visitor_message'>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ) =>
    new Promise<AckAnswer>((resolve) => {
      const done = (answer: unknown) => {
        cancel();
        waiting.delete(giveUp);
        resolve(answer);
      };
      const giveUp = () => done(noAnswer);
      const cancel = schedule(ackTimeoutMs, giveUp);
      waiting.add(giveUp);
      (socket.emit as (e: string, p: unknown, ack: (answer: unknown) => void) => void)(
        event,
        payload,
        done,
      );
    });

  return {
    get connected() {
      return socket.connected;
    },
    init: (payload) => request('session_init', payload),
    sendMessage: (payload) => request('visitor_message', payload),
    reportAction(result) {
      socket.emit('action_result', result);
    },
    close() {
      for (const giveUp of [...waiting]) giveUp();
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
}
