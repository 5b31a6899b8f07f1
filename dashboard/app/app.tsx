import { useEffect, useState } from 'preact/hooks';
import type { OperatorSession } from '../../src/protocol/dashboard.js';
import { api, signedIn } from '../api.js';
import { Analytics } from './analytics.js';
import { Conversation } from './conversation.js';
import { Conversations } from './conversations.js';
import { Privacy } from './privacy.js';
import { linkProps, navigate, type Route, useRoute } from './router.js';

/** The signed-in dashboard: a site picker, three sections, the page of the route. */
export function App({
  session,
  onSignedOut,
}: {
  session: OperatorSession;
  onSignedOut: () => void;
}) {
  const route = useRoute();
  const [sites, setSites] = useState(session.sites);
  const site = route.page === 'home' ? undefined : route.site;

  // Sites appear as they get conversations or settings: read them again for this page.
  useEffect(() => {
    api<OperatorSession>('GET', 'me').then(
      (me) => setSites(signedIn(me).sites),
      () => {},
    );
  }, [site]);

  useEffect(() => {
    const first = sites[0];
    if (route.page === 'home' && first !== undefined) {
      navigate({ page: 'conversations', site: first }, { replace: true });
    }
  }, [route.page, sites]);

  async function signOut() {
    await api('POST', 'sign-out').catch(() => {});
    history.replaceState(null, '', '/dashboard/');
    onSignedOut();
  }

  const tab = (page: 'conversations' | 'analytics' | 'privacy', label: string) => {
    if (site === undefined) return null;
    const current =
      route.page === page || (page === 'conversations' && route.page === 'conversation');
    return (
      <a {...linkProps({ page, site } as Route)} aria-current={current ? 'page' : undefined}>
        {label}
      </a>
    );
  };

  return (
    <div class="app">
      <header class="top">
        <strong class="brand">LeFlux</strong>
        {(sites.length > 0 || site !== undefined) && (
          <label class="site">
            <span>Site</span>
            <select
              value={site}
              onChange={(e) => navigate({ page: 'conversations', site: e.currentTarget.value })}
            >
              {site !== undefined && !sites.includes(site) && <option value={site}>{site}</option>}
              {sites.map((key) => (
                <option value={key} key={key}>
                  {key}
                </option>
              ))}
            </select>
          </label>
        )}
        <nav aria-label="Sections">
          {tab('conversations', 'Conversations')}
          {tab('analytics', 'Analytics')}
          {tab('privacy', 'Privacy')}
        </nav>
        <button type="button" class="quiet" onClick={signOut}>
          Sign out
        </button>
      </header>
      {route.page === 'home' && (
        <main class="page">
          <p class="empty">No site yet: conversations appear here once a widget has had one.</p>
        </main>
      )}
      {route.page === 'conversations' && <Conversations site={route.site} />}
      {route.page === 'conversation' && (
        <Conversation site={route.site} sessionId={route.sessionId} />
      )}
      {route.page === 'analytics' && <Analytics site={route.site} />}
      {route.page === 'privacy' && <Privacy site={route.site} />}
    </div>
  );
}
