import type { ChatMessage, SessionIdentity } from '../../protocol/index.js';
import type { SiteContext } from '../site/site-search.js';
import type { TaskPlan } from '../tasks/plan.js';
import type { SessionData } from './session-data.js';

export type { TaskPlan } from '../tasks/plan.js';

/** The session as an agent sees it: never its token, which stays between the server and the browser. */
export interface AgentSession {
  id: string;
  siteKey: string;
  /** The anonymous per-browser id (`leflux:visitorId`), unless the site turned it off. */
  visitorId?: string;
  createdAt: number;
  lastActiveAt: number;
  /** The page the visitor was last seen on, and its title. */
  url?: string;
  title?: string;
  /**
   * Who the site says the visitor is (`identify({ userId, userHash })`). `verified` is true only
   * when the site has an `identitySecret` and the hash matched it: trust `userId` only then.
   */
  identity?: SessionIdentity;
}

/** An answer: text (posted first) and/or a task (replaces a task still in flight). */
export interface AgentReply {
  text?: string;
  task?: TaskPlan;
}

/** Everything an agent knows and can do when a visitor message arrives. */
export interface AgentContext {
  session: AgentSession;
  /** The visitor message to answer (stored, with its seq). */
  message: ChatMessage;
  /** The session's last 50 messages, oldest first, this one included. */
  history: ChatMessage[];
  /** The page the visitor sent it from, and that page's title as last reported. */
  page: { url: string; title: string };
  /** The site's crawled pages and a keyword search over them (empty without the demo's crawl). */
  site: SiteContext;
  /** The session's values, the site's values, the visitor's contact details, open waits. */
  data: SessionData;
  /**
   * Aborted when the answer is no longer wanted: the agent timed out
   * (`LEFLUX_AGENT_TIMEOUT_MS`) or the server is closing. Hand it to `fetch` and the like.
   */
  signal: AbortSignal;
  /**
   * Shows the typing indicator in every tab of the visitor until the next agent message or
   * 30 s, whichever comes first.
   */
  typing(): void;
  /**
   * Posts `reply` now (text to the visitor's tabs, stored and logged; a task started), while
   * the agent goes on working. Any number of times, also after `reply` returned; resolves once
   * posted. Rejects on an invalid reply. Dropped once the answer failed (a throw, the timeout).
   */
  post(reply: AgentReply): Promise<void>;
}

/**
 * Answers visitor messages: the server's main extension point. Whatever `reply` returns is
 * posted (after anything posted with `context.post`); `null` or nothing: nothing more to say.
 * An agent that throws or takes longer than `LEFLUX_AGENT_TIMEOUT_MS` leaves the visitor a
 * system message ("The assistant could not answer. Try again in a moment."); the error is
 * logged with the session id. Answers to an open `ask` step never reach the agent: they resume
 * the task instead.
 *
 * @example
 * const agent: Agent = {
 *   async reply({ message, history, typing, post }) {
 *     typing();
 *     const answer = await askMyModel(history);
 *     return { text: answer };
 *   },
 * };
 */
export interface Agent {
  // `void`: an agent that only uses `context.post` need not return anything.
  // biome-ignore lint/suspicious/noConfusingVoidType: an async function without return is Promise<void>.
  reply(context: AgentContext): Promise<AgentReply | null | undefined | void>;
}
