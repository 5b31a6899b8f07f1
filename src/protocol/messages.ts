import type { ContactField } from './contact.js';

export type Author = 'visitor' | 'agent' | 'system';

/**
 * One message of a conversation as both sides know it.
 * `seq` is the server's per-session sequence number; a visitor message has none until acked.
 */
export interface ChatMessage {
  id: string;
  author: Author;
  text: string;
  /** Epoch ms: the client's send time for visitor messages, the server's for the others. */
  at: number;
  seq?: number;
  /**
   * An agent question for one contact detail (an `ask` step with `field`): the widget offers a
   * matching input, checked with the same rules as `identify()`, under this message.
   */
  asks?: ContactField;
  /**
   * Who wrote an agent message, when it says (a human operator posting through the REST API):
   * the widget shows it above the message.
   */
  name?: string;
}

/** The session as the server reports it to its owner. */
export interface SessionInfo {
  id: string;
  siteKey: string;
  createdAt: number;
  lastActiveAt: number;
}

/**
 * An agent task in flight, as restore and `session_init` report it, enough for a re-mounted
 * widget to show what the agent is doing.
 * - `running`: step `step` is being executed (or about to be sent);
 * - `held`: the page went away mid-task; the server waits for it (`LEFLUX_TASK_HOLD_MS`);
 * - `waiting`: an `ask` step waits for the visitor's answer in the chat.
 */
export interface TaskInfo {
  id: string;
  /** Index of the current step, from 0. */
  step: number;
  status: 'running' | 'held' | 'waiting';
  /** What the task is for, e.g. "Showing you our pricing". */
  label: string;
  /** What the current step does, e.g. "Highlighting the Pro plan". */
  stepLabel: string;
  /** Number of steps in the task. */
  steps: number;
}

/** `POST /api/session/:id` response body. */
export interface RestoreResponse {
  session: SessionInfo;
  history: ChatMessage[];
  task: TaskInfo | null;
  /** The site's retention for browser records, when it differs from the defaults. */
  retention?: ClientRetention;
}

/**
 * How long the browser keeps its records for this site (site settings, server side). A site
 * can shorten the defaults (24 h session and window state, 30 days contact details), not extend them.
 */
export interface ClientRetention {
  sessionTtlMs: number;
  userTtlMs: number;
}

/** The browser's record lifetimes when the site sets none: 24 h session, 30 days contact details. */
export const CLIENT_RETENTION_DEFAULTS: Readonly<ClientRetention> = {
  sessionTtlMs: 24 * 60 * 60_000,
  userTtlMs: 30 * 24 * 60 * 60_000,
};

/** `POST /api/session/:id/messages` request body (the operator API, and `LeFluxServer.post`). */
export interface PostMessageRequest {
  text: string;
  /** Shown above the message, e.g. the operator's name. */
  name?: string;
}

/** `POST /api/session/:id` request body. */
export interface RestoreRequest {
  token: string;
  url?: string;
}
