import { type ChatMessage, ID_PATTERN, validatePostMessage } from '../../protocol/index.js';
import { SessionNotFoundError } from '../stores/session-store.js';
import type { SessionServiceDeps } from './services.js';
import { SessionError } from './session-error.js';

export interface PostService {
  /**
   * A message for the visitor from outside a visitor's turn (an operator, a late agent answer):
   * `{ text, name? }` with the limits of a visitor message. Stored, logged and sent at once to
   * the visitor's open tabs; with none open it waits in the history for the next restore.
   * Throws `SessionError` (`invalid_payload`) or `SessionNotFoundError`.
   */
  post(sessionId: string, message: unknown): Promise<ChatMessage>;
  /** Shows the agent's typing indicator in the visitor's tabs. Throws `SessionNotFoundError`. */
  typing(sessionId: string): Promise<void>;
}

export function createPostService(deps: SessionServiceDeps): PostService {
  const { store, conversation } = deps;

  const known = (sessionId: string) => {
    if (!ID_PATTERN.test(sessionId)) throw new SessionNotFoundError(sessionId);
  };

  return {
    async post(sessionId, raw) {
      const checked = validatePostMessage(raw);
      if (!checked.ok) throw new SessionError('invalid_payload', checked.message);
      known(sessionId);
      const { text, name } = checked.value;
      return store.lock.run(sessionId, async () => {
        const session = await store.sessions.get(sessionId);
        const message =
          session &&
          (await conversation.post(session, { author: 'agent', text, ...(name && { name }) }));
        if (!message) throw new SessionNotFoundError(sessionId);
        return message;
      });
    },

    async typing(sessionId) {
      known(sessionId);
      if (!(await store.sessions.get(sessionId))) throw new SessionNotFoundError(sessionId);
      conversation.typing(sessionId);
    },
  };
}
