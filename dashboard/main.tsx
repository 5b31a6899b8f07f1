/**
 * The dashboard's entry: the only script a signed-out browser may load (with Preact and the
 * styles). It asks who is signed in; the inbox itself is a chunk of its own that the server
 * serves only after sign-in.
 */
import type { ComponentType } from 'preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { OperatorSession } from '../src/protocol/dashboard.js';
import { api, signedIn } from './api.js';
import { SignIn } from './sign-in.js';
import './styles.css';

type AppProps = { session: OperatorSession; onSignedOut: () => void };

function Dashboard() {
  const [session, setSession] = useState<OperatorSession | null | undefined>(undefined);
  const [App, setApp] = useState<ComponentType<AppProps> | undefined>(undefined);

  useEffect(() => {
    api<OperatorSession>('GET', 'me').then(
      (me) => setSession(signedIn(me)),
      () => setSession(null),
    );
  }, []);

  useEffect(() => {
    if (!session || App) return;
    import('./app/app.js').then((module) => setApp(() => module.App));
  }, [session, App]);

  if (session === undefined) return <p class="loading">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  if (!App) return <p class="loading">Loading…</p>;
  return <App session={session} onSignedOut={() => setSession(null)} />;
}

const root = document.getElementById('dashboard');
if (root) render(<Dashboard />, root);
