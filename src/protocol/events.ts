import type { ContactDetails, ContactField } from './contact.js';
import type { ErrorBody } from './errors.js';
import type { IdentityClaim } from './identity.js';
import type { ChatMessage, ClientRetention, TaskInfo } from './messages.js';
import type { ActionPayload, TaskAbortedPayload, TaskDonePayload } from './tasks.js';

export interface SessionInitPayload {
  siteKey: string;
  sessionId?: string;
  token?: string;
  visitorId?: string;
  url: string;
  title: string;
  /** Highest server sequence the client holds; the server replays what came after. */
  lastSeq?: number;
  /**
   * Contact details the browser already holds (`leflux:user`, `identify()`). The server keeps
   * them with the session, so the agent does not ask again and `fill` steps can use them.
   */
  contact?: ContactDetails;
  /**
   * `identify({ userId, userHash })` on this page. The server checks the hash against the site's
   * identity secret and keeps the identity with the session (verified or not); a wrong hash is
   * refused with `invalid_identity` and changes nothing.
   */
  identity?: IdentityClaim;
}

export interface SessionInitOk {
  ok: true;
  sessionId: string;
  token: string;
  /** True when an existing session was bound, false when a new one was created. */
  resumed: boolean;
  /** Messages after the client's `lastSeq` (the whole history when it sent none). */
  missed: ChatMessage[];
  /**
   * The agent task in flight after the server compared `url` with where the task expected
   * the visitor to be: `null` when none (an aborted task's message is in `missed`). A
   * `running` task's next `action` follows this ack.
   */
  task?: TaskInfo | null;
  /** See `RestoreResponse.retention`. */
  retention?: ClientRetention;
}

export interface VisitorMessagePayload {
  id: string;
  text: string;
  url: string;
  sentAt: number;
}

export interface VisitorMessageOk {
  ok: true;
  seq: number;
  /** True when the server already had this id (a resend); nothing was stored twice. */
  duplicate: boolean;
}

export interface ActionResultPayload {
  taskId: string;
  step: number;
  ok: boolean;
  detail?: string;
}

export type Failure = { ok: false } & ErrorBody;
export type Ack<T> = (response: T | Failure) => void;

export interface AgentMessagePayload {
  id: string;
  text: string;
  at: number;
  seq: number;
  /** See `ChatMessage.asks`. */
  asks?: ContactField;
  /** See `ChatMessage.name`. */
  name?: string;
  /** `system`: a notice from the server (the agent could not answer), not the agent's words. */
  author?: 'system';
}

/**
 * How long an `agent_typing` keeps the indicator up when no agent message follows. The next
 * agent message (or system notice) ends it sooner.
 */
export const AGENT_TYPING_MS = 30_000;

/** Events the widget emits. One typed map shared by client and server (socket.io generics). */
export interface ClientToServerEvents {
  session_init: (payload: SessionInitPayload, ack: Ack<SessionInitOk>) => void;
  visitor_message: (payload: VisitorMessagePayload, ack: Ack<VisitorMessageOk>) => void;
  action_result: (payload: ActionResultPayload) => void;
}

/** Events the server emits. */
export interface ServerToClientEvents {
  agent_message: (payload: AgentMessagePayload) => void;
  /** The agent (or an operator) is writing: show the indicator (see `AGENT_TYPING_MS`). */
  agent_typing: (payload: Record<string, never>) => void;
  action: (payload: ActionPayload) => void;
  task_aborted: (payload: TaskAbortedPayload) => void;
  task_done: (payload: TaskDonePayload) => void;
  taken_over: (payload: Record<string, never>) => void;
  session_evicted: (payload: Record<string, never>) => void;
}
