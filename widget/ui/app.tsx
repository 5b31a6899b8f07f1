import type { LeFluxClient } from '../../src/client/index.js';
import type { EmbedConfig } from '../embed-config.js';
import type { Strings } from '../strings.js';
import { ChatWindow } from './chat-window.js';
import { useClientState } from './use-client-state.js';

export interface AppProps {
  client: LeFluxClient;
  config: Pick<EmbedConfig, 'title'>;
  strings: Strings;
}

/** Root of the chat UI: the window while open (the launcher is plain DOM, see `host.ts`). */
export function App({ client, config, strings }: AppProps) {
  const state = useClientState(client);
  if (!state.open) return null;
  return <ChatWindow client={client} state={state} title={config.title} strings={strings} />;
}
