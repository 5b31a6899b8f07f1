import { useMemo } from 'preact/hooks';
import type { ClientState, LeFluxClient } from '../../src/client/index.js';
import type { Strings } from '../strings.js';
import { Composer } from './composer.js';
import { Header } from './header.js';
import { MessageList } from './message-list.js';

export interface ChatWindowProps {
  client: LeFluxClient;
  state: ClientState;
  title: string;
  strings: Strings;
  /** Focus the composer (the visitor opened the window on this page). */
  autoFocus: boolean;
}

/** A refused message is already reported (the `error` event); the composer only lets it go. */
const quietly = (sent: Promise<unknown>) => void sent.catch(() => undefined);

export function ChatWindow({ client, state, title, strings, autoFocus }: ChatWindowProps) {
  const reconnecting = state.sessionId !== null && !state.connected && state.phase === 'ready';
  const send = (text: string) => quietly(client.send(text));
  // The same element while the messages are: typing (a draft change per key) skips the list.
  const list = useMemo(
    () => (
      <MessageList
        messages={state.messages}
        strings={strings}
        onAnswer={(field, value) => {
          // The answer goes to the agent's question as a message; the detail is kept 30 days.
          send(value);
          quietly(client.identify({ [field]: value }, { tellServer: false }));
        }}
      />
    ),
    [state.messages, strings],
  );
  return (
    <section
      class="window"
      role="dialog"
      aria-label={title}
      onKeyDown={(event) => {
        // Escape closes the window (focus goes back to the launcher); the menu handles its own.
        if (event.key !== 'Escape' || event.defaultPrevented) return;
        event.preventDefault();
        client.close();
      }}
    >
      <Header client={client} title={title} strings={strings} reconnecting={reconnecting} />
      {state.readOnly && (
        <div class="notice" role="status">
          {strings.takenOver}
        </div>
      )}
      {state.retryAt !== null && (
        <div class="notice" role="status">
          {strings.limited}
        </div>
      )}
      {list}
      {state.task && (
        <p class="activity" aria-live="polite">
          {state.task.stepLabel}…
        </p>
      )}
      {/* Always there, so a screen reader announces the indicator when it appears in it. */}
      <div class="typing-region" aria-live="polite">
        {state.typing && (
          <p class="typing" data-part="typing">
            {strings.typing}
          </p>
        )}
      </div>
      <Composer
        disabled={state.readOnly}
        autoFocus={autoFocus}
        strings={strings}
        text={state.draft}
        onInput={client.setDraft}
        onSend={send}
      />
    </section>
  );
}
