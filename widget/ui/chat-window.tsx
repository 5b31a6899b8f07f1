import type { ClientState, LeFluxClient } from '../../src/client/index.js';
import type { Strings } from '../strings.js';
import { Composer } from './composer.js';
import { CloseIcon } from './icons.js';
import { MessageList } from './message-list.js';

export interface ChatWindowProps {
  client: LeFluxClient;
  state: ClientState;
  title: string;
  strings: Strings;
}

export function ChatWindow({ client, state, title, strings }: ChatWindowProps) {
  const reconnecting = state.sessionId !== null && !state.connected && state.phase === 'ready';
  return (
    <section class="window" role="dialog" aria-label={title}>
      <header class="header" data-part="header">
        <h2 class="title">{title}</h2>
        {reconnecting && <span class="connection">{strings.offline}</span>}
        <button
          type="button"
          class="icon-button"
          aria-label={strings.closeChat}
          onClick={client.close}
        >
          <CloseIcon />
        </button>
      </header>
      {state.readOnly && (
        <div class="notice" role="status">
          {strings.takenOver}
        </div>
      )}
      <MessageList
        messages={state.messages}
        loading={state.phase === 'loading'}
        strings={strings}
      />
      <Composer disabled={state.readOnly} strings={strings} onSend={client.send} />
    </section>
  );
}
