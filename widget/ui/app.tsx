import type { LeFluxClient } from '../../src/client/index.js';
import type { EmbedConfig } from '../embed-config.js';
import type { Strings } from '../strings.js';
import { ChatWindow } from './chat-window.js';
import { ChatIcon } from './icons.js';
import { useClientState } from './use-client-state.js';

export interface AppProps {
  client: LeFluxClient;
  config: Pick<EmbedConfig, 'title'>;
  strings: Strings;
}

/** Root of the widget: the launcher while closed, the chat window while open. */
export function App({ client, config, strings }: AppProps) {
  const state = useClientState(client);
  if (!state.open) {
    return (
      <button type="button" class="launcher" aria-label={strings.openChat} onClick={client.open}>
        <ChatIcon />
      </button>
    );
  }
  return <ChatWindow client={client} state={state} title={config.title} strings={strings} />;
}
