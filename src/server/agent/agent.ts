import type { ChatMessage, TaskStep } from '../../protocol/index.js';
import type { SiteContext } from '../site/site-search.js';
import type { SessionRecord } from '../stores/session-store.js';
import type { SessionData } from './session-data.js';

/** Everything an agent knows when a visitor message arrives. */
export interface AgentContext {
  session: SessionRecord;
  /** The visitor message to answer (stored, with its seq). */
  message: ChatMessage;
  /** The page the visitor sent it from, and that page's title as last reported. */
  page: { url: string; title: string };
  /** The site's crawled pages and a keyword search over them. */
  site: SiteContext;
  /** The session's values, the site's values, the visitor's contact details, open waits. */
  data: SessionData;
}

/** A task the agent starts: steps run in order, one at a time (see `TaskStep`). */
export interface TaskPlan {
  /** What the task is for, shown while it runs ("Showing you our pricing"). */
  label: string;
  steps: TaskStep[];
}

/** An answer: text (posted first) and/or a task (replaces a task still in flight). */
export interface AgentReply {
  text?: string;
  task?: TaskPlan;
}

/**
 * Answers visitor messages. `null`: stay silent. A rejection is logged and ignored.
 * Answers to an open `ask` step never reach the agent: they resume the task instead.
 */
export interface Agent {
  reply(context: AgentContext): Promise<AgentReply | null>;
}
