import { Fragment } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type {
  ConversationView,
  InboxSession,
  TranscriptMessage,
} from '../../src/protocol/dashboard.js';
import { ApiError, api } from '../api.js';
import { Status, Visitor } from './conversations.js';
import { pagePath, when } from './format.js';
import { useSiteNews } from './live.js';
import { linkProps, navigate } from './router.js';

const NAME_KEY = 'leflux-dashboard:name';
/** The visitor's indicator lasts until the next message or 30 s: a nudge every few seconds is enough. */
const TYPING_EVERY_MS = 4000;

const AUTHOR = { visitor: 'Visitor', agent: 'Agent', system: 'System' } as const;

/** One conversation: the transcript with the pages visited, a reply box, take over, purge. */
export function Conversation({ site, sessionId }: { site: string; sessionId: string }) {
  const [view, setView] = useState<ConversationView | undefined>(undefined);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState('');
  const [name, setName] = useState(operatorName);
  const base = `sites/${site}/sessions/${sessionId}`;

  function rename(value: string) {
    setName(value);
    try {
      localStorage.setItem(NAME_KEY, value);
    } catch {
      // Private mode: the name lasts for this page.
    }
  }

  const load = useCallback(async () => {
    try {
      setView(await api<ConversationView>('GET', base));
      setMissing(false);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 404) setMissing(true);
      else setError('Could not load the conversation.');
    }
  }, [base]);

  useEffect(() => {
    setView(undefined);
    void load();
  }, [load]);

  useSiteNews(
    site,
    (news) => {
      if (news.sessionId !== sessionId) return;
      if (news.type === 'message') {
        setView((current) => current && withMessage(current, news.message));
      } else {
        void load();
      }
    },
    load,
  );

  async function act(work: () => Promise<unknown>, failed: string) {
    setError('');
    try {
      await work();
    } catch (failure) {
      setError(failure instanceof ApiError ? `${failed}: ${failure.message}` : failed);
    }
  }

  if (missing) {
    return (
      <main class="page">
        <p class="empty">
          This conversation is gone (purged, or never logged).{' '}
          <a {...linkProps({ page: 'conversations', site })}>Back to the conversations</a>
        </p>
      </main>
    );
  }
  if (!view)
    return (
      <main class="page">
        {error ? <p role="alert">{error}</p> : <p class="loading">Loading…</p>}
      </main>
    );
  const { session, messages, pages } = view;

  return (
    <main class="page conversation">
      <p>
        <a {...linkProps({ page: 'conversations', site })}>← Conversations</a>
      </p>
      <header class="conversation-head">
        <div>
          <h1>
            <Visitor session={session} />
          </h1>
          <p class="muted">
            <Status session={session} /> · started {when(session.startedAt)} · {session.messages}{' '}
            message{session.messages === 1 ? '' : 's'} · <code>{session.sessionId}</code>
          </p>
        </div>
        <Actions
          session={session}
          name={name}
          onRename={rename}
          onTakeOver={(name) =>
            act(async () => {
              const { session: next } = await api<{ session: InboxSession }>(
                'POST',
                `${base}/takeover`,
                { name },
              );
              setView((v) => v && { ...v, session: next });
            }, 'Could not take over')
          }
          onHandBack={() =>
            act(async () => {
              const { session: next } = await api<{ session: InboxSession }>(
                'DELETE',
                `${base}/takeover`,
              );
              setView((v) => v && { ...v, session: next });
            }, 'Could not hand back')
          }
          onPurge={() =>
            act(async () => {
              await api('DELETE', base);
              navigate({ page: 'conversations', site });
            }, 'Could not delete')
          }
        />
      </header>
      {session.takeover && (
        <p role="status" class="notice">
          {session.takeover.by} took over at {when(session.takeover.at)}: the agent stays silent
          until someone hands back.
        </p>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="columns">
        <section aria-label="Transcript" class="transcript">
          <ol role="log" aria-label="Messages">
            {messages.map((m, i) => {
              const newPage = m.url !== undefined && m.url !== previousUrl(messages, i);
              return (
                <Fragment key={m.id}>
                  {newPage && <li class="page-marker">on {pagePath(m.url)}</li>}
                  <li
                    data-message-id={m.id}
                    data-author={m.author}
                    class={`message ${m.author}${m.name ? ' operator' : ''}`}
                  >
                    <span class="who">{m.name ?? AUTHOR[m.author]}</span>
                    <span class="text">{m.text}</span>
                    <time dateTime={new Date(m.at).toISOString()}>{when(m.at)}</time>
                  </li>
                </Fragment>
              );
            })}
          </ol>
          {messages.length === 0 && <p class="empty">No message yet.</p>}
          {session.live ? (
            <Reply base={base} name={name} />
          ) : (
            <p class="muted">The session has ended: the visitor can no longer be reached here.</p>
          )}
        </section>
        <aside class="pages" aria-label="Pages visited">
          <h2>Pages visited</h2>
          <ol>
            {pages.map((p) => (
              <li key={p.url}>
                <span title={p.url}>{pagePath(p.url)}</span> <span class="muted">{when(p.at)}</span>
              </li>
            ))}
          </ol>
          {session.url && (
            <p class="muted">
              Now on <span title={session.url}>{pagePath(session.url)}</span>
            </p>
          )}
        </aside>
      </div>
    </main>
  );
}

function previousUrl(messages: TranscriptMessage[], index: number): string | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const url = messages[i]?.url;
    if (url !== undefined) return url;
  }
  return undefined;
}

/** The view with a message from the news: in seq order, once. */
function withMessage(view: ConversationView, message: TranscriptMessage): ConversationView {
  if (view.messages.some((m) => m.id === message.id)) return view;
  const messages = [...view.messages, message].sort((a, b) => a.seq - b.seq);
  const session = {
    ...view.session,
    messages: messages.length,
    lastAt: Math.max(view.session.lastAt, message.at),
  };
  return { ...view, messages, session };
}

function Actions(props: {
  session: InboxSession;
  name: string;
  onRename: (name: string) => void;
  onTakeOver: (name: string) => void;
  onHandBack: () => void;
  onPurge: () => void;
}) {
  const { session } = props;
  const [confirming, setConfirming] = useState(false);
  return (
    <div class="actions">
      {session.live && (
        <label class="name">
          Your name
          <input
            value={props.name}
            maxLength={80}
            placeholder="Shown to the visitor"
            onInput={(e) => props.onRename(e.currentTarget.value)}
          />
        </label>
      )}
      {session.live &&
        (session.takeover ? (
          <button type="button" onClick={props.onHandBack}>
            Hand back
          </button>
        ) : (
          <button type="button" onClick={() => props.onTakeOver(props.name.trim() || 'Operator')}>
            Take over
          </button>
        ))}
      {confirming ? (
        <>
          <button type="button" class="danger" onClick={props.onPurge}>
            Delete for good
          </button>
          <button type="button" class="quiet" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </>
      ) : (
        <button type="button" class="quiet" onClick={() => setConfirming(true)}>
          Delete conversation
        </button>
      )}
    </div>
  );
}

function operatorName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

/** The reply box: the text, typing shown to the visitor while the operator writes. */
function Reply({ base, name }: { base: string; name: string }) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [sending, setSending] = useState(false);
  const lastTyping = useRef(0);

  function typed(value: string) {
    setText(value);
    const now = Date.now();
    if (value.trim() !== '' && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      api('POST', `${base}/typing`).catch(() => {});
    }
  }

  async function send(event: Event) {
    event.preventDefault();
    if (sending || text.trim() === '') return;
    if (name.trim() === '')
      return setError('Give your name: the visitor sees it above your reply.');
    setSending(true);
    setError('');
    try {
      await api('POST', `${base}/messages`, { text, name: name.trim() });
      setText('');
      lastTyping.current = 0;
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : 'Could not send the reply.');
    } finally {
      setSending(false);
    }
  }

  return (
    <form class="reply" onSubmit={send}>
      <label for="reply-text" class="visually-hidden">
        Reply
      </label>
      <textarea
        id="reply-text"
        rows={3}
        maxLength={4000}
        placeholder="Write to the visitor…"
        value={text}
        onInput={(e) => typed(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey) send(e);
        }}
      />
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={sending || text.trim() === ''}>
        Send reply
      </button>
    </form>
  );
}
