import type {
  ChatMessage,
  ContactDetails,
  SessionIdentity,
  TaskStep,
} from '../../protocol/index.js';

/** A live session as the store reports it; the history is read separately (it can be long). */
export interface SessionRecord {
  id: string;
  siteKey: string;
  /** Secret the session's owner presents to restore, resume or purge it. */
  token: string;
  visitorId?: string;
  createdAt: number;
  /** Last visitor message or action result. Connects, pings and restores never move it. */
  lastActiveAt: number;
  /** Sequence number the next stored message gets; starts at 1. */
  nextSeq: number;
  /** The socket currently allowed to speak for the session (one per session, newer wins). */
  boundSocket?: string;
  /** The page the visitor was last seen on. */
  url?: string;
  title?: string;
  /**
   * The id of the agent task in flight, if any. Kept with the record (and changed with the
   * task, atomically) so that a message can tell "no task" without reading the task.
   */
  taskId?: string;
  /**
   * Set while an operator has taken the conversation over from the dashboard: the agent does not
   * answer until they hand it back. Kept on the record, so the agent's dispatch learns it from the
   * read it already makes (`history.recent`), with no extra round trip per message.
   */
  takeover?: Takeover;
  /** Who the site says the visitor is (`identify({ userId, userHash })`), verified or not. */
  identity?: SessionIdentity;
}

/** Who took a conversation over, and when. */
export interface Takeover {
  /** The operator's name as they gave it. */
  by: string;
  at: number;
}

export interface AppendResult {
  seq: number;
  /** True when the session already held a message with this id; nothing was stored. */
  duplicate: boolean;
}

/** What `history.appendVisitor` does with a message from a socket. */
export type VisitorAppend =
  | ({ ok: true; session: SessionRecord } & AppendResult)
  /** Another socket holds the session now: nothing was stored. */
  | { ok: false; reason: 'not_bound' };

/** What agent code may keep in session and site values: plain JSON. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * An agent task as the store keeps it; the task runner is its only writer. Time rules are
 * decided from `deadline` on access and by the sweeper, never by timers alone.
 */
export interface TaskState {
  id: string;
  /**
   * Counts the task's writes from 1. A write names the version it replaces, so a writer that
   * read an older copy (another node, a late callback) cannot undo a newer state or bring an
   * ended task back.
   */
  version: number;
  label: string;
  steps: TaskStep[];
  /** Index of the current step: in flight (`sentAt` set), about to be sent, or waiting. */
  step: number;
  /**
   * `running`: the current step is in flight or next to send; `held`: the page went away
   * (socket dropped, or a page-changing step succeeded) and the task waits for a
   * `session_init` from the expected page; `waiting`: an `ask` step waits for an answer.
   */
  status: 'running' | 'held' | 'waiting';
  /** Where the next step expects the visitor (absolute URL); unknown: any page is fine. */
  pageUrl?: string;
  /** When the current page step was sent to the widget; unset until then. */
  sentAt?: number;
  /**
   * When the task gives up if nothing happens: the step's result (running), the page's
   * return (held) or the visitor's answer (waiting). Unset: no deadline.
   */
  deadline?: number;
  createdAt: number;
  updatedAt: number;
}

/** An open question: the visitor's next message in the session answers it. */
export interface WaitRecord {
  id: string;
  sessionId: string;
  siteKey: string;
  visitorId?: string;
  /** What the answer is about (e.g. `contact`); for listing and clearing. */
  scope: string;
  question: string;
  /** The task and step that resume with the answer. */
  taskId: string;
  step: number;
  createdAt: number;
  /** The wait is gone from this time on. */
  expiresAt: number;
}

/** Selects waits: one session's, or every session's of one visitor on one site. */
export type WaitFilter = { sessionId: string } | { siteKey: string; visitorId: string };

/** Thrown by operations that need a live session when it is unknown or was evicted. */
export class SessionNotFoundError extends Error {
  readonly code = 'session_not_found';
  override readonly name = 'SessionNotFoundError';

  constructor(readonly sessionId: string) {
    super(`session ${sessionId} does not exist or was evicted`);
  }
}

/** Thrown by `history.append` with `unlessTakenOver` while an operator has taken the session over. */
export class TakenOverError extends Error {
  readonly code = 'taken_over';
  override readonly name = 'TakenOverError';

  constructor(readonly sessionId: string) {
    super(`session ${sessionId} is taken over by an operator`);
  }
}

export interface HistoryAppendOptions {
  /**
   * Refuse (`TakenOverError`, nothing stored) while the record carries a takeover: the agent's
   * own messages, checked in the same step as the write, so an answer computed on any node
   * before an operator took over never lands after it.
   */
  unlessTakenOver?: boolean;
}

/**
 * The sessions themselves. Idle expiry is decided from `lastActiveAt` on every access (an
 * expired session reads as absent and is deleted) plus `sweep`, never from timers alone.
 */
export interface SessionRecords {
  /** Creates a session with a fresh id and token. */
  create(siteKey: string, visitorId?: string): Promise<SessionRecord>;
  /** The session, or undefined when unknown or idle-expired (which also deletes it). */
  get(id: string): Promise<SessionRecord | undefined>;
  /** Records visitor activity (a message or an action result) at `at`. */
  touch(sessionId: string, at: number): Promise<void>;
  /** Remembers the visitor's current page. Not activity. */
  setPage(sessionId: string, page: { url: string; title?: string }): Promise<void>;
  /** An operator takes the conversation over (`takeover`), or hands it back (undefined). Not activity. */
  setTakeover(sessionId: string, takeover: Takeover | undefined): Promise<void>;
  /** Keeps who the site says the visitor is, replacing an earlier identity. Not activity. */
  setIdentity(sessionId: string, identity: SessionIdentity): Promise<void>;
  /** Removes the session and everything it holds; true when it existed. */
  delete(id: string): Promise<boolean>;
  /**
   * Evicts every session idle at `now`, and drops expired waits; returns the evicted ids. Each
   * evicted id is returned by one call only, even when several nodes sweep one shared store at
   * once: the caller that gets it is the one that tells the session's tabs.
   */
  sweep(now: number): Promise<string[]>;
  /**
   * How many sessions the store holds (for the `leflux_live_sessions` metric): on a shared
   * store, every node's. May count idle sessions the sweeper has not evicted yet.
   */
  count(): Promise<number>;
}

/**
 * The session's messages, numbered by `seq`, at most `LIMITS.maxHistory` (oldest dropped).
 * Messages read are the caller's to read, not to change: a store may hand out its own frozen
 * copies (the memory store does, to copy nothing on the way out).
 */
export interface SessionHistory {
  /** Stores a message with the next seq; a message id seen before returns its first seq. */
  append(
    sessionId: string,
    message: Omit<ChatMessage, 'seq'>,
    options?: HistoryAppendOptions,
  ): Promise<AppendResult>;
  /**
   * A visitor message from socket `socketId`, in one step (one round trip on a networked store):
   * refused when another socket holds the session; otherwise stored like `append`, and, unless it
   * is a duplicate, counted as activity at `at` and `url` (when not empty) kept as the page.
   * Resolves with the session as it is after the write.
   */
  appendVisitor(
    sessionId: string,
    message: Omit<ChatMessage, 'seq'>,
    from: { socketId: string; at: number; url: string },
  ): Promise<VisitorAppend>;
  /** Messages with a seq greater than `seq`, ascending. `0` gives the whole history. */
  after(sessionId: string, seq: number): Promise<ChatMessage[]>;
  /**
   * The session and its newest `limit` messages, oldest first, in one step (one round trip on
   * a networked store): what an agent needs to answer. Undefined when the session is gone.
   */
  recent(
    sessionId: string,
    limit: number,
  ): Promise<{ session: SessionRecord; messages: ChatMessage[] } | undefined>;
}

/** Which socket speaks for a session: one at a time, the newer wins. */
export interface SocketBindings {
  /** Binds the socket to the session; returns the socket that held it before, if another did. */
  bind(sessionId: string, socketId: string): Promise<string | undefined>;
  /** Unbinds only if the session is still bound to this socket; true when it was. */
  unbind(sessionId: string, socketId: string): Promise<boolean>;
}

/** The session's agent task (at most one). Writes are versioned: see `TaskState.version`. */
export interface TaskStore {
  /** The session's agent task, if one is in flight. */
  get(sessionId: string): Promise<TaskState | undefined>;
  /**
   * Stores `task` if it follows what is stored: version 1 where no task is stored, or version
   * n + 1 of the stored task n. False (nothing written) otherwise: someone else changed or
   * ended it meanwhile.
   */
  save(sessionId: string, task: TaskState): Promise<boolean>;
  /** Removes the task if it is still `taskId`; true when it was. */
  delete(sessionId: string, taskId: string): Promise<boolean>;
  /** Ids of live sessions whose task `deadline` is at or before `now`. */
  due(now: number): Promise<string[]>;
}

/** Open questions (an `ask` step's), answered by the session's next message. */
export interface WaitStore {
  /** Opens a wait in the session (site and visitor are filled in from it). */
  add(
    sessionId: string,
    wait: Omit<WaitRecord, 'sessionId' | 'siteKey' | 'visitorId'>,
  ): Promise<WaitRecord>;
  /** Waits not yet expired, oldest first. Expired ones are dropped on the way. */
  list(filter: WaitFilter): Promise<WaitRecord[]>;
  /** Removes and returns the session's oldest live wait: the one the next message answers. */
  take(sessionId: string): Promise<WaitRecord | undefined>;
  /** Removes the selected waits (of one `scope` if given); returns how many. */
  clear(filter: WaitFilter, scope?: string): Promise<number>;
}

/** Key/value data under one owner (a session, or a site). */
export interface ValueStore {
  /** The value, or undefined when unset. */
  get(owner: string, key: string): Promise<JsonValue | undefined>;
  save(owner: string, key: string, value: JsonValue): Promise<void>;
  /** Removes one value; true when it was set. */
  evict(owner: string, key: string): Promise<boolean>;
  fetchAll(owner: string): Promise<Record<string, JsonValue>>;
}

/** Agent code's values of one session; they live and die with it. */
export interface SessionValues extends ValueStore {
  /** Removes every value of the session except those named in `retain`. */
  clear(sessionId: string, retain?: readonly string[]): Promise<void>;
}

/** The visitor's contact details known to a session. They live and die with it. */
export interface VisitorDetails {
  get(sessionId: string): Promise<ContactDetails>;
  /** Merges `props` in (empty strings are ignored); returns the result. */
  save(sessionId: string, props: ContactDetails): Promise<ContactDetails>;
}

/**
 * Runs work one at a time per session, in call order (different sessions run concurrently);
 * a failed work does not block the next. Every change that reads and then writes a session
 * runs under it. Not re-entrant: work must not take the same session's lock again.
 */
export interface SessionLock {
  run<T>(sessionId: string, work: () => Promise<T>): Promise<T>;
  /** Resolves when the work started here so far has settled. */
  idle(): Promise<void>;
}

/**
 * Live sessions: one facade over the concepts a session holds, so that one implementation
 * (memory, Redis) provides them all, consistently. Async so a networked store fits the same
 * callers. Operations that need the session throw `SessionNotFoundError` when it is absent.
 * Every implementation runs `describeSessionStore` (session-store-conformance.ts).
 */
export interface SessionStore {
  readonly sessions: SessionRecords;
  readonly history: SessionHistory;
  readonly sockets: SocketBindings;
  readonly tasks: TaskStore;
  readonly waits: WaitStore;
  /** Agent code's values, per session. */
  readonly values: SessionValues;
  /** Agent code's values shared by all sessions of a site key; they outlive sessions. */
  readonly siteValues: ValueStore;
  readonly visitors: VisitorDetails;
  readonly lock: SessionLock;
  /** Resolves when the store answers; for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
