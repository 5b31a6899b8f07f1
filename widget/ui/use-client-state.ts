import { useLayoutEffect, useState } from 'preact/hooks';
import type { ClientState, LeFluxClient } from '../../src/client/index.js';

/**
 * The one binding between Preact and the headless client: re-render on every state change.
 * It subscribes as the first render commits, not after the first paint (`useEffect`): a cached
 * conversation that loads in between shows at once instead of a frame or two later.
 */
export function useClientState(client: LeFluxClient): ClientState {
  const [state, setState] = useState(client.getState);
  useLayoutEffect(() => {
    setState(client.getState());
    return client.subscribe(setState);
  }, [client]);
  return state;
}
