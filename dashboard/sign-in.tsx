import { useState } from 'preact/hooks';
import type { OperatorSession } from '../src/protocol/dashboard.js';
import { ApiError, api, signedIn } from './api.js';

/** The one page a signed-out browser can load: a password field `Admin key` and `Sign in`. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: OperatorSession) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(signedIn(await api<OperatorSession>('POST', 'sign-in', { key })));
    } catch (failure) {
      const code = failure instanceof ApiError ? failure.code : 'network';
      setError(
        code === 'unauthorized'
          ? 'That key opens no dashboard.'
          : code === 'rate_limited'
            ? 'Too many wrong keys from this address. Try again in a few minutes.'
            : 'Could not sign in. Try again.',
      );
      setBusy(false);
    }
  }

  return (
    <main class="sign-in">
      <form onSubmit={submit} class="card">
        <h1>LeFlux dashboard</h1>
        <p class="hint">Sign in with your site’s admin key.</p>
        <label for="admin-key">Admin key</label>
        <input
          id="admin-key"
          type="password"
          autocomplete="current-password"
          required
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || key === ''}>
          Sign in
        </button>
      </form>
    </main>
  );
}
