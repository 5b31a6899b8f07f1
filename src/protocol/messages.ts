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
}

/** The session as the server reports it to its owner. */
export interface SessionInfo {
  id: string;
  siteKey: string;
  createdAt: number;
  lastActiveAt: number;
}

/** An agent task in flight, as restore reports it (steps come with the tasks issue). */
export interface TaskInfo {
  id: string;
  step: number;
  status: 'running' | 'held';
}

/** `POST /api/session/:id` response body. */
export interface RestoreResponse {
  session: SessionInfo;
  history: ChatMessage[];
  task: TaskInfo | null;
}

/** `POST /api/session/:id` request body. */
export interface RestoreRequest {
  token: string;
  url?: string;
}
