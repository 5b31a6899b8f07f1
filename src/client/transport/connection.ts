import type { Socket } from 'socket.io-client';
import type {
  ActionPayload,
  ActionResultPayload,
  ClientToServerEvents,
  Failure,
  ServerToClientEvents,
  SessionInitOk,
  SessionInitPayload,
  TaskAbortedPayload,
  TaskDonePayload,
  VisitorMessageOk,
  VisitorMessagePayload,
} from '../../protocol/index.js';

/** What the transport reports to the session. It holds no conversation state of its own. */
export interface ConnectionEvents {
  /** The socket is (re)connected and needs a `session_init` before anything else. */
  connected(): void;
  disconnected(reason: string): void;
  /** Validated by the session: the type says what the server means to send, not what arrives. */
  agentMessage(payload: unknown): void;
  agentTyping(): void;
  takenOver(): void;
  evicted(): void;
  /** The agent asks this page to run a task step. */
  action(payload: unknown): void;
  taskAborted(payload: TaskAbortedPayload): void;
  taskDone(payload: TaskDonePayload): void;
}

export interface Connection {
  init(payload: SessionInitPayload): Promise<SessionInitOk | Failure>;
  sendMessage(payload: VisitorMessagePayload): Promise<VisitorMessageOk | Failure>;
  reportAction(result: ActionResultPayload): void;
  readonly connected: boolean;
  close(): void;
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ConnectionOptions {
  server: string;
  events: ConnectionEvents;
  /** How long to wait for an ack before treating the request as lost (it is retried on reconnect). */
  ackTimeoutMs?: number;
}

const timedOut = (): Failure => ({
  ok: false,
  error: { code: 'internal', message: 'no answer from the server in time' },
});

/**
 * Opens the socket.io connection. socket.io-client is loaded on demand so that a page whose
 * visitor never chats does not pay for it up front. Reconnection is socket.io's own.
 */
export async function openConnection(options: ConnectionOptions): Promise<Connection> {
  const { io } = await import('socket.io-client');
  const { events, ackTimeoutMs = 10_000 } = options;
  const socket: ClientSocket = io(options.server, {
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnectionDelay: 300,
    reconnectionDelayMax: 5_000,
  });
  socket.on('connect', () => events.connected());
  socket.on('disconnect', (reason) => events.disconnected(reason));
  socket.on('agent_message', (payload) => events.agentMessage(payload));
  socket.on('agent_typing', () => events.agentTyping());
  socket.on('taken_over', () => events.takenOver());
  socket.on('session_evicted', () => events.evicted());
  // Validated by the session: the type says what the server means to send, not what arrives.
  socket.on('action', (payload: ActionPayload) => events.action(payload));
  socket.on('task_aborted', (payload) => events.taskAborted(payload));
  socket.on('task_done', (payload) => events.taskDone(payload));

  // emitWithAck rejects on timeout or disconnect; either way the caller retries after reconnect.
  const request = async <T>(send: () => Promise<T | Failure>): Promise<T | Failure> => {
    try {
      return await send();
    } catch {
      return timedOut();
    }
  };

  return {
    get connected() {
      return socket.connected;
    },
    init: (payload) =>
      request(() => socket.timeout(ackTimeoutMs).emitWithAck('session_init', payload)),
    sendMessage: (payload) =>
      request(() => socket.timeout(ackTimeoutMs).emitWithAck('visitor_message', payload)),
    reportAction(result) {
      socket.emit('action_result', result);
    },
    close() {
      socket.removeAllListeners();
      socket.disconnect();
    },
  };
}
