import type { ChatMessage } from '../../protocol/index.js';
import type { Conversation } from '../conversation/conversation.js';
import type { Logger } from '../logger.js';
import type { SiteContext } from '../site/site-search.js';
import { createLocalSessionLock } from '../stores/session-lock.js';
import type { SessionRecord, SessionStore } from '../stores/session-store.js';
import type { TaskRunner } from '../tasks/task-runner.js';
import type { Agent, AgentContext, AgentReply, AgentSession } from './agent.js';
import { checkReply } from './reply.js';
import { type SessionData, sessionData } from './session-data.js';

/** The system message a visitor sees when the agent throws or times out (issue 11, contract). */
export const AGENT_FAILED_TEXT = 'The assistant could not answer. Try again in a moment.';

/** Messages of history an agent gets (`context.history`). */
export const AGENT_HISTORY = Number(process.env.XH ?? 50);

export interface AgentDispatchOptions {
  /** Undefined: no agent; messages wait for `post` or the REST API (a human inbox). */
  agent: Agent | undefined;
  store: SessionStore;
  conversation: Conversation;
  tasks: TaskRunner;
  site: SiteContext;
  logger: Logger;
  /** `LEFLUX_AGENT_TIMEOUT_MS`: longest an agent may take to answer one message. */
  timeoutMs: number;
}

/** Hands stored visitor messages to whoever answers them: an open question, or the agent. */
export interface AgentDispatch {
  /**
   * Answers `message` (stored in `sessionId`, sent from `url`) after the session's earlier
   * messages were answered: an open `ask` step takes it, else the agent does. Never rejects.
   */
  answer(sessionId: string, message: ChatMessage, url: string): Promise<void>;
  /** Aborts every agent call in flight (the server is closing): nothing more is posted. */
  abort(): void;
  /** Resolves when every answer started so far has settled. */
  idle(): Promise<void>;
}

/** Why an answer ended early. */
class AgentTimeoutError extends Error {
  override readonly name = 'AgentTimeoutError';
}

/** The agent's view of a session: the record without its token (or its socket). */
function agentSession({
  id,
  siteKey,
  visitorId,
  createdAt,
  lastActiveAt,
  url,
  title,
}: SessionRecord) {
  const session: AgentSession = { id, siteKey, createdAt, lastActiveAt };
  if (visitorId !== undefined) session.visitorId = visitorId;
  if (url !== undefined) session.url = url;
  if (title !== undefined) session.title = title;
  return session;
}

/** Calls the agent; a synchronous throw becomes a rejection. */
function invoke(agent: Agent, context: AgentContext): Promise<unknown> {
  try {
    return Promise.resolve(agent.reply(context));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Runs the agent for each visitor message, one message at a time per session (so answers come
 * in the order of the questions), with its history, a typing indicator and `post`, under a
 * timeout. Posting takes the session's lock for a moment; the agent's own work never does.
 *
 * @example
 * const dispatch = createAgentDispatch({ agent, store, conversation, tasks, site, logger, timeoutMs: 15_000 });
 * void dispatch.answer(sessionId, message, url);
 */
export function createAgentDispatch(options: AgentDispatchOptions): AgentDispatch {
  const { agent, store, conversation, tasks, site, logger, timeoutMs } = options;
  // Per session, in arrival order: an answer may start a task that the next message answers.
  const answers = createLocalSessionLock();
  /** How to end each agent call in flight (`abort()` ends them all). */
  const inFlight = new Set<(reason: unknown) => void>();
  let closed = false;

  /** Posts a checked reply: its text, then its task, under the session's lock. */
  function deliver(session: SessionRecord, reply: AgentReply, url: string): Promise<void> {
    if (reply.text === undefined && reply.task === undefined) return Promise.resolve();
    return store.lock.run(session.id, async () => {
      if (reply.text !== undefined) {
        await conversation.post(session, { author: 'agent', text: reply.text }, { url });
      }
      if (reply.task !== undefined) await tasks.start(session.id, reply.task);
    });
  }

  async function run(
    session: SessionRecord,
    message: ChatMessage,
    history: ChatMessage[],
    url: string,
    answering: Agent,
  ): Promise<void> {
    let failed = false;
    /** Why the answer ended early (a timeout, the server closing). */
    let reason: unknown;
    // Made only if the agent asks for `context.signal`: most never do.
    let stop: AbortController | undefined;
    /** The last post in flight: the next one waits for it. */
    let posted: Promise<void> | undefined;
    let data: SessionData | undefined;
    let fail: (error: unknown) => void = () => {};
    /** Ends the answer now: before the agent hears of it, so whatever it posts is dropped. */
    const end = (error: unknown) => {
      failed = true;
      reason = error;
      stop?.abort(error);
      fail(error);
    };

    // Open until the answer fails (a throw, the timeout) or the server closes: an agent may
    // return first and post later.
    const post = (value: AgentReply): Promise<void> => {
      if (failed || closed) {
        logger.warn(`agent posted after its answer ended; dropped (session ${session.id})`);
        return Promise.resolve();
      }
      const checked = checkReply(value);
      if (!checked.ok)
        return Promise.reject(new TypeError(`invalid agent post: ${checked.message}`));
      const { reply } = checked;
      if (!reply) return posted ?? Promise.resolve();
      // One after another: posts show in the order they were made.
      posted = posted
        ? posted.then(() => deliver(session, reply, url))
        : deliver(session, reply, url);
      return posted;
    };

    const context: AgentContext = {
      session: agentSession(session),
      message,
      history,
      page: { url, title: session.title ?? '' },
      site,
      // Built on first use: most answers never touch it.
      get data() {
        data ??= sessionData(store, session);
        return data;
      },
      get signal() {
        if (!stop) {
          stop = new AbortController();
          if (failed) stop.abort(reason);
        }
        return stop.signal;
      },
      typing() {
        if (!failed && !closed) conversation.typing(session.id);
      },
      post,
    };

    const timer = setTimeout(
      () => end(new AgentTimeoutError(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    inFlight.add(end);
    try {
      // Settles with the agent's answer, or rejects first when `end` is called.
      const value = await new Promise<unknown>((resolve, reject) => {
        fail = reject;
        invoke(answering, context).then(resolve, reject);
      });
      const checked = checkReply(value);
      if (!checked.ok) throw new TypeError(`invalid agent reply: ${checked.message}`);
      await (checked.reply ? post(checked.reply) : posted);
    } catch (error) {
      failed = true;
      if (closed) return;
      // The id names the conversation for whoever reads the log; the token is never logged.
      logger.error(`agent could not answer (session ${session.id})`, error);
      await posted?.catch(() => undefined);
      await store.lock.run(session.id, () =>
        conversation.post(session, { author: 'system', text: AGENT_FAILED_TEXT }, { url }),
      );
    } finally {
      clearTimeout(timer);
      inFlight.delete(end);
    }
  }

  return {
    answer(sessionId, message, url) {
      return answers
        .run(sessionId, async () => {
          const context = await store.history.recent(sessionId, AGENT_HISTORY);
          if (!context) return;
          const { session, messages } = context;
          if (session.taskId !== undefined) {
            // An answer to an open `ask` resumes its task; the agent never sees it.
            const handled = await store.lock.run(sessionId, () => tasks.answer(sessionId, message));
            if (handled) return;
          }
          // No agent: the message waits in the history for `post` or the REST API.
          if (!agent) return;
          await run(session, message, messages, url, agent);
        })
        .catch((error: unknown) => {
          logger.error(`answering a message failed (session ${sessionId})`, error);
        });
    },

    abort() {
      closed = true;
      for (const end of inFlight) end(new Error('the server is closing'));
    },

    idle() {
      return answers.idle();
    },
  };
}
