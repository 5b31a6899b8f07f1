import { nanoid } from 'nanoid';
import { type ChatMessage, type ContactField, LIMITS } from '../../protocol/index.js';
import type { MessageLog } from '../log/message-log.js';
import type { Logger } from '../logger.js';
import {
  SessionNotFoundError,
  type SessionRecord,
  type SessionStore,
} from '../stores/session-store.js';
import type { LeFluxIo } from './gateway.js';

export interface ConversationOptions {
  io: LeFluxIo;
  store: SessionStore;
  log: MessageLog;
  /** Whether a site's messages go to the log (site settings over `LEFLUX_MESSAGE_LOG`). Default: all. */
  logged?: (siteKey: string) => boolean;
  now: () => number;
  logger: Logger;
}

/** Where messages go once accepted: the session's history, its socket, the message log. */
export interface Conversation {
  /**
   * Copies a stored message to the message log, unless the site keeps none; a log failure
   * is logged, never thrown.
   */
  record(session: SessionRecord, message: ChatMessage, url?: string): Promise<void>;
  /**
   * Stores an agent message, sends it to the session's socket (unless `emit: false`: the
   * caller delivers it, e.g. in a `session_init` ack) and logs it. Resolves with the message,
   * or undefined when the session is gone (nobody to tell) or `text` is blank.
   */
  postAgentMessage(
    sessionId: string,
    text: string,
    options?: { url?: string; emit?: boolean; asks?: ContactField },
  ): Promise<ChatMessage | undefined>;
}

/**
 * The one way messages enter a conversation, shared by the gateway and the task runner.
 *
 * @example
 * const conversation = createConversation({ io, store, log, now, logger });
 * await conversation.postAgentMessage(sessionId, 'Hello!');
 */
export function createConversation(options: ConversationOptions): Conversation {
  const { io, store, log, now, logger, logged = () => true } = options;

  async function record(session: SessionRecord, message: ChatMessage, url?: string) {
    if (!logged(session.siteKey)) return;
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

  return {
    record,

    async postAgentMessage(sessionId, rawText, { url, emit = true, asks } = {}) {
      const text = rawText.slice(0, LIMITS.maxTextLength);
      if (text.trim() === '') return undefined;
      const session = await store.sessions.get(sessionId);
      if (!session) return undefined;
      const message: ChatMessage = { id: nanoid(), author: 'agent', text, at: now() };
      if (asks) message.asks = asks;
      try {
        message.seq = (await store.history.append(sessionId, message)).seq;
      } catch (error) {
        // Purged or evicted meanwhile: nobody to answer.
        if (error instanceof SessionNotFoundError) return undefined;
        throw error;
      }
      if (emit) {
        io.to(sessionId).emit('agent_message', {
          id: message.id,
          text,
          at: message.at,
          seq: message.seq,
          ...(asks ? { asks } : {}),
        });
      }
      await record(session, message, url ?? session.url);
      return message;
    },
  };
}
