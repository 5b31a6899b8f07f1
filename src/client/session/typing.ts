import { AGENT_TYPING_MS } from '../../protocol/events.js';
import type { Schedule } from '../schedule.js';
import type { StateStore } from '../state.js';
import type { ClientState } from '../types.js';

/** The agent's typing indicator (`state.typing`): up on `agent_typing`, down on the next agent message or after 30 s. */
export interface TypingIndicator {
  show(): void;
  hide(): void;
}

/**
 * @example
 * const typing = createTypingIndicator(store, schedule);
 * typing.show(); // state.typing is true for AGENT_TYPING_MS at most
 */
export function createTypingIndicator(
  store: StateStore<ClientState>,
  schedule: Schedule,
  ms = AGENT_TYPING_MS,
): TypingIndicator {
  let cancel = () => {};
  const hide = () => {
    cancel();
    store.setState({ typing: false });
  };
  return {
    show() {
      cancel();
      store.setState({ typing: true });
      cancel = schedule(ms, hide);
    },
    hide,
  };
}
