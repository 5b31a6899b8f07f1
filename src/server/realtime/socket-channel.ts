import type { SessionChannel } from '../conversation/session-channel.js';
import type { LeFluxIo } from './gateway.js';

/** A room's `emit` for an event name known only as a union. */
interface Untyped {
  emit(event: string, payload: unknown): boolean;
}

/**
 * The `SessionChannel` over socket.io: one room per session id, and every call addressed to a
 * room or a socket id through the server (`io.to(...)`, `io.in(...)`), never to a socket object
 * held here. With an adapter (Redis) the same calls reach a socket on any node.
 *
 * @example const channel = createSocketChannel(io);
 */
export function createSocketChannel(io: LeFluxIo): SessionChannel {
  return {
    emit(sessionId, event, payload) {
      // socket.io types `emit` per event name; the port already tied `payload` to `event`.
      const room = io.to(sessionId) as unknown as Untyped;
      room.emit(event, payload);
    },

    async join(socketId, sessionId) {
      // The socket that asked is on this node: join at once, before the ack is built.
      const local = io.sockets.sockets.get(socketId);
      if (local) await local.join(sessionId);
      else io.in(socketId).socketsJoin(sessionId);
    },

    leave(socketId, sessionId) {
      io.in(socketId).socketsLeave(sessionId);
    },

    takenOver(socketId, sessionId) {
      io.to(socketId).emit('taken_over', {});
      io.in(socketId).socketsLeave(sessionId);
    },

    ended(sessionId, { disconnect }) {
      io.to(sessionId).emit('session_evicted', {});
      if (disconnect) io.in(sessionId).disconnectSockets();
      else io.in(sessionId).socketsLeave(sessionId);
    },
  };
}
