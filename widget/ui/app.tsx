import { useRef } from 'preact/hooks';
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
  // A window that was already open when the page loaded (reload, navigation) leaves the page's
  // focus alone; one the visitor opens here takes it, for typing at once.
  const openAtLoad = useRef(state.open);
  if (!state.open) openAtLoad.current = false;
  // Until the cached conversation is read (a few ms of IndexedDB), nothing: the window then
  // opens with it in one render, rather than empty first and filled a frame later.
  if (!state.open || state.phase === 'loading') return null;
  return (
    <ChatWindow
      client={client}
      state={state}
      title={config.title}
      strings={strings}
      autoFocus={!openAtLoad.current}
    />
  );
}
