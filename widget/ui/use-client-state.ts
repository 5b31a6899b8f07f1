import { useEffect, useState } from 'preact/hooks';
import type { ClientState, LeFluxClient } from '../../src/client/index.js';

/** The one binding between Preact and the headless client: re-render on every state change. */
export function useClientState(client: LeFluxClient): ClientState {
  const [state, setState] = useState(client.getState);
  useEffect(() => {
    setState(client.getState());
    return client.subscribe(setState);
  }, [client]);
  return state;
}
