import { nanoid } from 'nanoid';
import {
  type AgentMessagePayload,
  type ChatMessage,
  type ContactField,
  LIMITS,
  type VisitorMessagePayload,
} from '../../protocol/index.js';
import type { AppendOptions, MessageLog } from '../log/message-log.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import {
  SessionNotFoundError,
  type SessionRecord,
  type SessionStore,
  type VisitorAppend,
} from '../stores/session-store.js';
import type { InboxFeed } from './inbox-feed.js';
import type { SessionChannel } from './session-channel.js';

export interface ConversationOptions {
  store: SessionStore;
  log: MessageLog;
  channel: SessionChannel;
  /** Whether a site's messages go to the log (site settings over `LEFLUX_MESSAGE_LOG`). Default: all. */
  logged?: (siteKey: string) => boolean;
  /** Where the site's dashboards hear of each message. Default: nowhere. */
  feed?: InboxFeed;
  now: () => number;
  logger: Logger;
  /**
   * Send the agent's messages only once the log holds them, and log again what a reconnecting
   * tab missed (`relog`), so a node killed right after loses no logged message: for a store
   * that outlives the node (Redis). Default false: agent messages are logged in batches behind
   * the chat. A visitor message's ack always waits for its row, whatever this says.
   */
  durableLog?: boolean;
  /** Counts messages in and out. */
  metrics?: Metrics;
}

/** A message for the visitor: the agent's (or an operator's, with `name`) or a system notice. */
export interface OutgoingMessage {
  author: 'agent' | 'system';
  text: string;
  /** Shown above the message: who wrote it (an operator). */
  name?: string;
  /** See `ChatMessage.asks`. */
  asks?: ContactField;
}

/** What became of a visitor message: refused, a resend of a stored one, or stored now. */
export type Received = VisitorAppend & { message: ChatMessage };

/**
 * The one place messages enter a conversation, whoever writes them: each is stored in the
 * session's history (which numbers it), sent to the visitor's open tabs through the
 * `SessionChannel`, and copied to the message log.
 */
export interface Conversation {
  /**
   * A visitor message from the socket holding the session: stored (a resend is recognised by
   * its id and stored once), counted as activity, logged (a resend too: the log keeps one row
   * per sequence); resolves once the log row is written (a durable append), so that the ack
   * follows the row. Throws `SessionNotFoundError`.
   */
  receive(sessionId: string, socketId: string, payload: VisitorMessagePayload): Promise<Received>;
  /**
   * Stores a message for the visitor, sends it to the session's tabs (unless `emit: false`: the
   * caller delivers it, e.g. in a `session_init` ack) and logs it. Resolves with the message, or
   * undefined when the session is gone (nobody to tell) or the text is blank. Text over the
   * limit is cut.
   */
  post(
    to: SessionRecord | string,
    message: OutgoingMessage,
    options?: {
      emit?: boolean;
      url?: string;
      /** The agent's own message: refused (`TakenOverError`) while an operator has taken over. */
      unlessTakenOver?: boolean;
    },
  ): Promise<ChatMessage | undefined>;
  /** Shows the agent's typing indicator in the session's tabs (`agent_typing`). */
  typing(sessionId: string): void;
  /**
   * Logs stored messages again when the log must hold what visitors were shown (`durableLog`):
   * those a reconnecting tab missed may come from a node that died between storing and logging
   * them. The log keeps the first row of a seq, so this writes only what it lacked. Only the
   * newest 20 (a dying node leaves no more than its messages in flight).
   */
  relog(session: SessionRecord, messages: readonly ChatMessage[]): Promise<void>;
}

/**
 * @example
 * const conversation = createConversation({ store, log, channel, now, logger });
 * await conversation.post(sessionId, { author: 'agent', text: 'Hello!' });
 */
export function createConversation(options: ConversationOptions): Conversation {
  const { store, log, channel, now, logger, metrics, logged = () => true, feed } = options;
  const appendOptions = { durable: options.durableLog ?? false };

  /**
   * Tells the site's dashboards, then copies the message to the log unless the site keeps none;
   * never throws.
   */
  async function record(
    session: SessionRecord,
    message: ChatMessage,
    url?: string,
    options: AppendOptions = appendOptions,
    /** False for a resend: the dashboards have it already. */
    publish = true,
  ) {
    if (publish)
      feed?.publish(session.siteKey, {
        type: 'message',
        sessionId: session.id,
        message: {
          id: message.id,
          author: message.author,
          text: message.text,
          at: message.at,
          seq: message.seq ?? 0,
          ...(url !== undefined && { url }),
          ...(message.name !== undefined && { name: message.name }),
        },
      });
    if (!logged(session.siteKey)) return;
    try {
      await log.append(
        {
          sessionId: session.id,
          siteKey: session.siteKey,
          messageId: message.id,
          author: message.author,
          text: message.text,
          at: message.at,
          seq: message.seq ?? 0,
          url,
          ...(message.name !== undefined && { name: message.name }),
          // Who the visitor was said to be when they wrote it (verified or not).
          ...(message.author === 'visitor' &&
            session.identity !== undefined && { identity: session.identity }),
        },
        options,
      );
    } catch (error) {
      // Logging must never break chat.
      logger.error(`message log append failed (session ${session.id})`, error);
    }
  }

  return {
    async receive(sessionId, socketId, { id, text, url, sentAt }) {
      const message: ChatMessage = { id, author: 'visitor', text, at: sentAt };
      const result = await store.history.appendVisitor(sessionId, message, {
        socketId,
        at: now(),
        url,
      });
      if (!result.ok) return { ok: false, reason: result.reason, message };
      message.seq = result.seq;
      if (!result.duplicate) metrics?.messageIn();
      // Logged before the ack, durably (the batch written, whatever the store): a node killed
      // right after acking still has the message in its log. A resend is logged again: the
      // first attempt may have failed between storing and logging (its ack lost with it), or
      // its node died then; the log keeps the first row of a seq, so this writes only what it
      // lacked.
      await record(result.session, message, url, { durable: true }, !result.duplicate);
      const { session, seq, duplicate } = result;
      return { ok: true, session, seq, duplicate, message };
    },

    async post(
      to,
      { author, text: rawText, name, asks },
      { emit = true, url, unlessTakenOver = false } = {},
    ) {
      const text = rawText.slice(0, LIMITS.maxTextLength);
      if (text.trim() === '') return undefined;
      const session = typeof to === 'string' ? await store.sessions.get(to) : to;
      if (!session) return undefined;
      const message: ChatMessage = { id: nanoid(), author, text, at: now() };
      if (asks !== undefined) message.asks = asks;
      if (name !== undefined) message.name = name;
      try {
        message.seq = (await store.history.append(session.id, message, { unlessTakenOver })).seq;
      } catch (error) {
        // Purged or evicted meanwhile: nobody to answer.
        if (error instanceof SessionNotFoundError) return undefined;
        throw error;
      }
      // Logged before it is sent when the log must hold what visitors were shown.
      if (appendOptions.durable) await record(session, message, url ?? session.url);
      if (emit) channel.emit(session.id, 'agent_message', payloadOf(message));
      // Sent now, or in the ack the caller is building.
      metrics?.messageOut();
      if (!appendOptions.durable) await record(session, message, url ?? session.url);
      return message;
    },

    typing(sessionId) {
      channel.emit(sessionId, 'agent_typing', {});
    },

    async relog(session, messages) {
      if (!appendOptions.durable) return;
      // Only what a dying node can have left unlogged: its last few messages, not a whole
      // history sent to a tab that holds nothing yet.
      const recent = messages.slice(-RELOG_LIMIT);
      await Promise.all(recent.map((message) => record(session, message, session.url)));
    },
  };
}

/** The newest missed messages `relog` writes again. */
const RELOG_LIMIT = 20;

/** A stored message as `agent_message` carries it. */
function payloadOf(message: ChatMessage): AgentMessagePayload {
  const payload: AgentMessagePayload = {
    id: message.id,
    text: message.text,
    at: message.at,
    seq: message.seq ?? 0,
  };
  if (message.asks !== undefined) payload.asks = message.asks;
  if (message.name !== undefined) payload.name = message.name;
  if (message.author === 'system') payload.author = 'system';
  return payload;
}
