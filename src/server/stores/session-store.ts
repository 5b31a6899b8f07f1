import type { ChatMessage, ContactDetails, TaskStep } from '../../protocol/index.js';

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
}

/** A session with its history, as a store keeps it. */
export interface StoredSession extends SessionRecord {
  /** Ascending by `seq`, at most `LIMITS.maxHistory` (oldest dropped first). */
  messages: ChatMessage[];
}

export interface AppendResult {
  seq: number;
  /** True when the session already held a message with this id; nothing was stored. */
  duplicate: boolean;
}

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

/**
 * Live sessions. Async so a Redis implementation can follow with the same callers.
 *
 * Idle expiry is decided from `lastActiveAt` on every access (an expired session reads as
 * absent and is deleted) plus `sweep`, never from timers alone. Operations that need the
 * session throw `SessionNotFoundError` when it is absent.
 */
export interface SessionStore {
  /** Creates a session with a fresh id and token. */
  create(siteKey: string, visitorId?: string): Promise<SessionRecord>;
  /** The session, or undefined when unknown or idle-expired (which also deletes it). */
  get(id: string): Promise<SessionRecord | undefined>;
  /** Stores a message with the next seq; a message id seen before returns its first seq. */
  appendMessage(sessionId: string, message: Omit<ChatMessage, 'seq'>): Promise<AppendResult>;
  /** Messages with a seq greater than `seq`, ascending. `0` gives the whole history. */
  messagesAfter(sessionId: string, seq: number): Promise<ChatMessage[]>;
  /** Records visitor activity (a message or an action result) at `now`. */
  touch(sessionId: string, now: number): Promise<void>;
  /** Remembers the visitor's current page. Not activity. */
  setPage(sessionId: string, page: { url: string; title?: string }): Promise<void>;
  /** Binds the socket to the session; returns the socket that held it before, if another did. */
  bind(sessionId: string, socketId: string): Promise<string | undefined>;
  /** Unbinds only if the session is still bound to this socket; true when it was. */
  unbind(sessionId: string, socketId: string): Promise<boolean>;
  /** Removes the session; true when it existed. */
  delete(id: string): Promise<boolean>;
  /** Evicts every session idle at `now`; returns the evicted ids. */
  sweep(now: number): Promise<string[]>;

  /** A session value, or undefined when unset. */
  getValue(sessionId: string, key: string): Promise<JsonValue | undefined>;
  saveValue(sessionId: string, key: string, value: JsonValue): Promise<void>;
  /** Removes a session value; true when it was set. */
  evictValue(sessionId: string, key: string): Promise<boolean>;
  fetchValues(sessionId: string): Promise<Record<string, JsonValue>>;
  /** Removes every session value except those named in `retain`. */
  clearValues(sessionId: string, retain?: readonly string[]): Promise<void>;

  /** Per-site values shared by all sessions of `siteKey`; they outlive sessions. */
  getSiteValue(siteKey: string, key: string): Promise<JsonValue | undefined>;
  saveSiteValue(siteKey: string, key: string, value: JsonValue): Promise<void>;
  evictSiteValue(siteKey: string, key: string): Promise<boolean>;
  fetchSiteValues(siteKey: string): Promise<Record<string, JsonValue>>;

  /** The visitor's contact details known to this session. They live and die with it. */
  getVisitor(sessionId: string): Promise<ContactDetails>;
  /** Merges `props` into the visitor's details (empty strings are ignored); returns the result. */
  saveVisitor(sessionId: string, props: ContactDetails): Promise<ContactDetails>;

  /** The session's agent task, if one is in flight. */
  getTask(sessionId: string): Promise<TaskState | undefined>;
  /** Stores the session's task, replacing any other. */
  saveTask(sessionId: string, task: TaskState): Promise<void>;
  /** Removes the task if it is still `taskId`; true when it was. */
  deleteTask(sessionId: string, taskId: string): Promise<boolean>;
  /** Ids of live sessions whose task `deadline` is at or before `now`. */
  tasksDue(now: number): Promise<string[]>;

  /** Opens a wait in the session (site and visitor are filled in from it). */
  addWait(
    sessionId: string,
    wait: Omit<WaitRecord, 'sessionId' | 'siteKey' | 'visitorId'>,
  ): Promise<WaitRecord>;
  /** Waits not yet expired, oldest first. Expired ones are dropped on the way. */
  listWaits(filter: WaitFilter): Promise<WaitRecord[]>;
  /** Removes and returns the session's oldest live wait: the one the next message answers. */
  takeWait(sessionId: string): Promise<WaitRecord | undefined>;
  /** Removes the selected waits (of one `scope` if given); returns how many. */
  clearWaits(filter: WaitFilter, scope?: string): Promise<number>;

  /** Resolves when the store answers; for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
