import type { ChatMessage } from '../../protocol/index.js';
import type { Conversation } from '../conversation/conversation.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SiteContext } from '../site/site-search.js';
import { createLocalSessionLock } from '../stores/session-lock.js';
import { type SessionRecord, type SessionStore, TakenOverError } from '../stores/session-store.js';
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
  /** Times each answer (`leflux_agent_latency_seconds`). */
  metrics?: Metrics;
}

/** Hands stored visitor messages to whoever answers them: an open question, or the agent. */
export interface AgentDispatch {
  /**
   * Answers `message` (stored in `sessionId`, sent from `url`) after the session's earlier
   * messages were answered: an open `ask` step takes it, else the agent does. Never rejects.
   */
  answer(sessionId: string, message: ChatMessage, url: string): Promise<void>;
  /**
   * An operator took the session over: this node's answer in flight for it ends quietly and
   * what it posts is dropped (no error message for the visitor). Messages dispatched later skip
   * the agent while the session's record carries the takeover, and an answer in flight on any
   * node finds it there when it posts, and ends as quietly.
   */
  silence(sessionId: string): void;
  /** Aborts every agent call in flight (the server is closing): nothing more is posted. */
  abort(): void;
  /** Resolves when every answer started so far has settled. */
  idle(): Promise<void>;
}

/** Why an answer ended early. */
class AgentTimeoutError extends Error {
  override readonly name = 'AgentTimeoutError';
}

/** An operator took the conversation over while the agent was answering: not a failure. */
class SilencedError extends Error {
  override readonly name = 'SilencedError';
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
  identity,
}: SessionRecord) {
  const session: AgentSession = { id, siteKey, createdAt, lastActiveAt };
  if (visitorId !== undefined) session.visitorId = visitorId;
  if (identity !== undefined) session.identity = { ...identity };
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

/** What an `AgentCall` needs from the dispatch. */
interface CallDeps {
  store: SessionStore;
  deliver(session: SessionRecord, reply: AgentReply, url: string): Promise<void>;
  typing(sessionId: string): void;
  closed(): boolean;
  warn(text: string): void;
}

/**
 * One answer in progress: the `AgentContext` the agent gets, and the state behind it (in
 * private fields: the agent sees the context's members only, never the session's token). A
 * class, so an answer costs one object and two bound functions rather than a closure per member.
 */
class AgentCall implements AgentContext {
  readonly session: AgentSession;
  readonly page: { url: string; title: string };
  readonly #record: SessionRecord;
  readonly #deps: CallDeps;
  /** Set once the answer failed (a throw, the timeout) or the server closed: posts are dropped. */
  #failed = false;
  /** The last post in flight: the next one waits for it. */
  #posted: Promise<void> | undefined;
  #reason: unknown;
  // Made only if the agent asks for `signal`: most never do.
  #stop: AbortController | undefined;
  #data: SessionData | undefined;
  #fail: (error: unknown) => void = () => {};

  constructor(
    record: SessionRecord,
    readonly message: ChatMessage,
    readonly history: ChatMessage[],
    url: string,
    readonly site: SiteContext,
    deps: CallDeps,
  ) {
    this.#record = record;
    this.#deps = deps;
    this.session = agentSession(record);
    this.page = { url, title: record.title ?? '' };
  }

  /** Built on first use: most answers never touch it. */
  get data(): SessionData {
    this.#data ??= sessionData(this.#deps.store, this.#record);
    return this.#data;
  }

  get signal(): AbortSignal {
    if (!this.#stop) {
      this.#stop = new AbortController();
      if (this.#failed) this.#stop.abort(this.#reason);
    }
    return this.#stop.signal;
  }

  // Fields, not methods: agents destructure them (`reply({ post, typing })`).
  typing = (): void => {
    if (!this.#failed && !this.#deps.closed()) this.#deps.typing(this.#record.id);
  };

  // Open until the answer fails (a throw, the timeout) or the server closes: an agent may
  // return first and post later.
  post = (value: AgentReply): Promise<void> => {
    if (this.#failed || this.#deps.closed()) {
      this.#deps.warn(`agent posted after its answer ended; dropped (session ${this.#record.id})`);
      return Promise.resolve();
    }
    const checked = checkReply(value);
    if (!checked.ok) {
      return Promise.reject(new TypeError(`invalid agent post: ${checked.message}`));
    }
    const { reply } = checked;
    if (!reply) return this.#posted ?? Promise.resolve();
    const record = this.#record;
    const { url } = this.page;
    const { deliver } = this.#deps;
    // One after another: posts show in the order they were made. Taken over meanwhile (on
    // another node): the answer ends quietly, as `silence` ends it here.
    const silenced = (error: unknown) => {
      if (!(error instanceof SilencedError)) throw error;
      this.end(error);
    };
    this.#posted = this.#posted
      ? this.#posted.then(() => deliver(record, reply, url)).catch(silenced)
      : deliver(record, reply, url).catch(silenced);
    return this.#posted;
  };

  /** Settles with what the agent returns, or rejects first when `end` is called. */
  answer(agent: Agent): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#fail = reject;
      invoke(agent, this).then(resolve, reject);
    });
  }

  get sessionId(): string {
    return this.#record.id;
  }

  /** Settles when the posts made so far are done; rejects if one of them failed. */
  posts(): Promise<void> {
    return this.#posted ?? Promise.resolve();
  }

  /** Ends the answer now, before the agent hears of it: whatever it posts is dropped. */
  end(error: unknown): void {
    this.#failed = true;
    this.#reason = error;
    this.#stop?.abort(error);
    this.#fail(error);
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
  const { agent, store, conversation, tasks, site, logger, timeoutMs, metrics } = options;
  // Per session, in arrival order: an answer may start a task that the next message answers.
  const answers = createLocalSessionLock();
  /** The agent calls in flight (`abort()` ends them all). */
  const inFlight = new Set<AgentCall>();
  let closed = false;

  /** Posts a checked reply: its text, then its task, under the session's lock. */
  function deliver(session: SessionRecord, reply: AgentReply, url: string): Promise<void> {
    if (reply.text === undefined && reply.task === undefined) return Promise.resolve();
    return store.lock.run(session.id, async () => {
      if (reply.text !== undefined) {
        // An operator may have taken over since the answer began, on any node (`silence` only
        // reaches this node's answers): the store checks in the same step as the write.
        await conversation
          .post(session, { author: 'agent', text: reply.text }, { url, unlessTakenOver: true })
          .catch((error: unknown) => {
            throw error instanceof TakenOverError ? new SilencedError(error.message) : error;
          });
      }
      if (reply.task !== undefined) {
        // A task alone posted nothing that the store could refuse: read the takeover (a task
        // is rare; the text above costs no extra read).
        if (reply.text === undefined && (await store.sessions.get(session.id))?.takeover) {
          throw new SilencedError('an operator took over');
        }
        await tasks.start(session.id, reply.task);
      }
    });
  }

  async function run(
    session: SessionRecord,
    message: ChatMessage,
    history: ChatMessage[],
    url: string,
    answering: Agent,
    receivedAt: number,
  ): Promise<void> {
    const call = new AgentCall(session, message, history, url, site, {
      store,
      deliver,
      typing: (sessionId) => conversation.typing(sessionId),
      closed: () => closed,
      warn: (text) => logger.warn(text),
    });
    const timer = setTimeout(
      () => call.end(new AgentTimeoutError(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    inFlight.add(call);
    try {
      const checked = checkReply(await call.answer(answering));
      if (!checked.ok) throw new TypeError(`invalid agent reply: ${checked.message}`);
      if (checked.reply) await call.post(checked.reply);
      else await call.posts();
      metrics?.agentAnswered(performance.now() - receivedAt);
    } catch (error) {
      call.end(error);
      if (closed || error instanceof SilencedError) return;
      // The id names the conversation for whoever reads the log; the token is never logged.
      logger.error(`agent could not answer (session ${session.id})`, error);
      await call.posts().catch(() => undefined);
      await store.lock.run(session.id, () =>
        conversation.post(session, { author: 'system', text: AGENT_FAILED_TEXT }, { url }),
      );
    } finally {
      clearTimeout(timer);
      inFlight.delete(call);
    }
  }

  return {
    answer(sessionId, message, url) {
      // From here: the time an answer took includes waiting for the session's earlier ones.
      const receivedAt = performance.now();
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
          // No agent, or an operator has taken over: the message waits for a human.
          if (!agent || session.takeover) return;
          await run(session, message, messages, url, agent, receivedAt);
        })
        .catch((error: unknown) => {
          logger.error(`answering a message failed (session ${sessionId})`, error);
        });
    },

    silence(sessionId) {
      for (const call of inFlight) {
        if (call.sessionId === sessionId) call.end(new SilencedError('an operator took over'));
      }
    },

    abort() {
      closed = true;
      for (const call of inFlight) call.end(new Error('the server is closing'));
    },

    idle() {
      return answers.idle();
    },
  };
}
