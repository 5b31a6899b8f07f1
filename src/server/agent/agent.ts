import type { ChatMessage } from '../../protocol/index.js';
import type { SessionRecord } from '../stores/session-store.js';

export interface AgentInput {
  session: SessionRecord;
  /** The visitor message to answer (stored, with its seq). */
  message: ChatMessage;
  /** The page the visitor sent it from, and that page's title as last reported. */
  url: string;
  title: string;
}

/** Answers visitor messages. `null`: stay silent. A rejection is logged and ignored. */
export interface Agent {
  reply(input: AgentInput): Promise<{ text: string } | null>;
}
