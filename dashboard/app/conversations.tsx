import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { InboxSession, SessionPage } from '../../src/protocol/dashboard.js';
import { api } from '../api.js';
import { DayRangeFields } from './day-range-fields.js';
import { lastDays, pagePath, rangeOf, when } from './format.js';
import { useSiteNews } from './live.js';
import { linkProps, navigate } from './router.js';

const PAGE = 25;

/** The site's conversations over a range of days: newest activity first, searchable, paged, live. */
export function Conversations({ site }: { site: string }) {
  const [days, setDays] = useState(() => lastDays(7));
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<SessionPage | undefined>(undefined);
  const [error, setError] = useState('');
  const latest = useRef(0);

  const load = useCallback(async () => {
    const range = rangeOf(days.from, days.to);
    if (!range) return setError('Pick a start day before the end day.');
    const asked = ++latest.current;
    const params = new URLSearchParams({
      from: String(range.from),
      to: String(range.to),
      offset: String(offset),
      limit: String(PAGE),
    });
    if (query) params.set('q', query);
    try {
      const next = await api<SessionPage>('GET', `sites/${site}/sessions?${params}`);
      // An older, slower answer must not overwrite a newer one.
      if (asked === latest.current) {
        setPage(next);
        setError('');
      }
    } catch {
      if (asked === latest.current) setError('Could not load the conversations.');
    }
  }, [site, days, query, offset]);

  useEffect(() => {
    void load();
  }, [load]);

  // A search waits for a pause in typing.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(search.trim());
      setOffset(0);
    }, 300);
    return () => clearTimeout(timer);
  }, [search]);

  // News: read the page again, at most a few times a second.
  const pending = useRef<ReturnType<typeof setTimeout>>();
  const refresh = useCallback(() => {
    if (pending.current !== undefined) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      void load();
    }, 200);
  }, [load]);
  useEffect(() => () => clearTimeout(pending.current), []);
  useSiteNews(site, refresh, refresh);
  // Sessions the server evicts for idleness send no news: "live" is read again now and then.
  useEffect(() => {
    const timer = setInterval(refresh, 30_000);
    return () => clearInterval(timer);
  }, [refresh]);

  const total = page?.total ?? 0;
  return (
    <main class="page">
      <h1>Conversations</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <DayRangeFields
          days={days}
          onChange={(next) => {
            setDays(next);
            setOffset(0);
          }}
        />
        <label class="grow">
          Search
          <input
            type="search"
            placeholder="Words in a message, or a session id"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {page && page.sessions.length === 0 && (
        <p class="empty">{query ? 'No conversation matches.' : 'No conversation in these days.'}</p>
      )}
      {page && page.sessions.length > 0 && (
        <table class="sessions">
          <thead>
            <tr>
              <th scope="col">Visitor</th>
              <th scope="col">Started</th>
              <th scope="col">Last active</th>
              <th scope="col" class="number">
                Messages
              </th>
              <th scope="col">Page</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {page.sessions.map((s) => (
              <Row key={s.sessionId} site={site} session={s} />
            ))}
          </tbody>
        </table>
      )}
      {page && total > 0 && (
        <nav class="pager" aria-label="Pages">
          <button
            type="button"
            class="quiet"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE))}
          >
            Newer
          </button>
          <span>
            {offset + 1}–{Math.min(offset + PAGE, total)} of {total}
          </span>
          <button
            type="button"
            class="quiet"
            disabled={offset + PAGE >= total}
            onClick={() => setOffset(offset + PAGE)}
          >
            Older
          </button>
        </nav>
      )}
    </main>
  );
}

function Row({ site, session }: { site: string; session: InboxSession }) {
  const to = { page: 'conversation', site, sessionId: session.sessionId } as const;
  return (
    <tr data-session-id={session.sessionId} onClick={() => navigate(to)} class="clickable">
      <td>
        <a {...linkProps(to)}>
          <Visitor session={session} />
        </a>
      </td>
      <td>{when(session.startedAt)}</td>
      <td>{when(session.lastAt)}</td>
      <td class="number">{session.messages}</td>
      <td class="url" title={session.url}>
        {pagePath(session.url)}
      </td>
      <td>
        <Status session={session} />
      </td>
    </tr>
  );
}

/** "Ada (ada@example.com)", a user id, "Anonymous", or "Unknown" for an ended session. */
export function Visitor({ session }: { session: InboxSession }) {
  const { visitor } = session;
  if (visitor.kind === 'identified') {
    const { name, email, phone } = visitor.contact ?? {};
    const label = name ?? email ?? phone ?? visitor.userId ?? 'Identified';
    return (
      <span class="visitor">
        {label}
        {name && email && <span class="muted"> {email}</span>}
        {/* What the badge vouches for is the user id, not a name the visitor typed. */}
        {visitor.userId && label !== visitor.userId && <span class="muted"> {visitor.userId}</span>}
        <span class="badge">{visitor.verified ? 'verified' : 'unverified'}</span>
      </span>
    );
  }
  return (
    <span class="visitor muted">
      {visitor.kind === 'anonymous' ? 'Anonymous' : 'Unknown (ended)'}
    </span>
  );
}

export function Status({ session }: { session: InboxSession }) {
  if (!session.live) return <span class="status ended">Ended</span>;
  return (
    <span class={`status ${session.connected ? 'online' : 'away'}`}>
      {session.connected ? 'Live' : 'Live, no tab open'}
      {session.takeover && <span class="badge">taken over</span>}
    </span>
  );
}
