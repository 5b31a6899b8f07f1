import type { SessionChannel, SessionEvent, SessionEventPayload } from './session-channel.js';

/** One call a test channel saw. */
export interface ChannelCall {
  sessionId: string;
  event: SessionEvent | 'join' | 'leave' | 'taken_over' | 'ended';
  payload?: unknown;
}

/** A `SessionChannel` for tests without sockets: it records what would have been sent. */
export interface RecordingChannel extends SessionChannel {
  readonly calls: ChannelCall[];
  /** Payloads of `event` sent to `sessionId`, in order. */
  sent<E extends SessionEvent>(sessionId: string, event: E): SessionEventPayload<E>[];
}

/** @example const channel = createRecordingChannel(); ...; expect(channel.sent(id, 'agent_message')).toHaveLength(1); */
export function createRecordingChannel(): RecordingChannel {
  const calls: ChannelCall[] = [];
  return {
    calls,
    sent(sessionId, event) {
      return calls
        .filter((c) => c.sessionId === sessionId && c.event === event)
        .map((c) => c.payload as SessionEventPayload<typeof event>);
    },
    emit(sessionId, event, payload) {
      calls.push({ sessionId, event, payload });
    },
    async join(socketId, sessionId) {
      calls.push({ sessionId, event: 'join', payload: socketId });
    },
    leave(socketId, sessionId) {
      calls.push({ sessionId, event: 'leave', payload: socketId });
    },
    takenOver(socketId, sessionId) {
      calls.push({ sessionId, event: 'taken_over', payload: socketId });
    },
    ended(sessionId, how) {
      calls.push({ sessionId, event: 'ended', payload: how });
    },
  };
}
