import type { ServerToClientEvents } from '../../protocol/index.js';

/** The events a session's open tabs can be sent, with their payloads. */
export type SessionEvent = keyof ServerToClientEvents;
export type SessionEventPayload<E extends SessionEvent> = Parameters<ServerToClientEvents[E]>[0];

/**
 * How the domain reaches a session's open tabs without knowing about sockets: a port that the
 * realtime layer implements over socket.io rooms (one room per session, so an adapter carries
 * every call to the node holding the socket). Every call is fire-and-forget: a session with no
 * tab open simply hears nothing (its history keeps what matters for the next restore).
 */
export interface SessionChannel {
  /** Sends `event` to the socket holding the session, wherever it is connected. */
  emit<E extends SessionEvent>(sessionId: string, event: E, payload: SessionEventPayload<E>): void;
  /** `socketId` now speaks for the session: it hears the session's events from now on. */
  join(socketId: string, sessionId: string): Promise<void>;
  /** `socketId` no longer hears the session's events (it stays connected). */
  leave(socketId: string, sessionId: string): void;
  /** Another socket took the session from `socketId`: it is told (`taken_over`) and leaves. */
  takenOver(socketId: string, sessionId: string): void;
  /**
   * The session is gone: its sockets are told (`session_evicted`) and leave its room; with
   * `disconnect` (a purge) they are disconnected too.
   */
  ended(sessionId: string, how: { disconnect: boolean }): void;
}
