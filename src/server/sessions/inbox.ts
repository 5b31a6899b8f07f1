import {
  type ConversationView,
  type InboxSession,
  type PrivacySettings,
  type SessionPage,
  type SiteStats,
  type TranscriptMessage,
  validatePrivacySettings,
} from '../../protocol/dashboard.js';
import {
  ID_PATTERN,
  LIMITS,
  type SessionIdentity,
  validatePostMessage,
} from '../../protocol/index.js';
import type { LoggedSession, LogRange, MessageLogEntry } from '../log/message-log.js';
import type { LiveSiteSettings } from '../settings/live-site-settings.js';
import { privacyOf } from '../site-settings.js';
import { SessionNotFoundError, type SessionRecord } from '../stores/session-store.js';
import type { PostService } from './post.js';
import type { PurgeService } from './purge.js';
import type { SessionServiceDeps } from './services.js';
import { SessionError } from './session-error.js';

const DAY = 86_400_000;
/** Rows read at a time for an export. */
const EXPORT_PAGE = 1000;

export interface InboxServiceDeps extends SessionServiceDeps {
  /** The session services the inbox acts through (one path for every operator message). */
  sessions: PostService & PurgeService;
  settings: LiveSiteSettings;
  /** What a site without settings of its own gets (`LEFLUX_IDLE_TTL_MS`, `LEFLUX_MESSAGE_LOG`). */
  defaults: { idleTtlMs: number; messageLog: boolean };
}

/** Which conversations of a site the list shows. */
export interface InboxQuery extends Omit<LogRange, 'siteKey'> {
  search?: string;
  offset: number;
  limit: number;
}

/**
 * What the dashboard reads and does, for one site at a time: the conversations (from the message
 * log, with what the live store knows of each), a transcript, answering as a human, taking over
 * from the agent, purging, the per-day counts and the export, and the site's privacy settings.
 * Whether the operator may see the site is the caller's to check; a session of another site
 * reads as unknown.
 */
export interface InboxService {
  /** Sites a dashboard can pick: those with settings or with logged messages. */
  knownSites(): Promise<string[]>;
  list(siteKey: string, query: InboxQuery): Promise<SessionPage>;
  conversation(siteKey: string, sessionId: string): Promise<ConversationView>;
  /** `{ text, name }`: an operator's message, shown with their name in the visitor's tabs. */
  reply(siteKey: string, sessionId: string, body: unknown): Promise<TranscriptMessage>;
  /** The typing indicator in the visitor's tabs, while the operator types. */
  typing(siteKey: string, sessionId: string): Promise<void>;
  /** `{ name }`: the agent stays silent in this conversation until `handBack`. */
  takeOver(siteKey: string, sessionId: string, body: unknown): Promise<InboxSession>;
  handBack(siteKey: string, sessionId: string): Promise<InboxSession>;
  /** Purges the session everywhere: live store, log, open tabs. */
  purge(siteKey: string, sessionId: string): Promise<void>;
  stats(
    siteKey: string,
    range: Omit<LogRange, 'siteKey'> & { utcOffsetMinutes: number },
  ): Promise<SiteStats>;
  /** Every logged message of the range, oldest first, read a page at a time. */
  entries(siteKey: string, range: Omit<LogRange, 'siteKey'>): AsyncGenerator<MessageLogEntry>;
  privacy(siteKey: string): PrivacySettings;
  /** Saves the site's privacy settings; new sessions, widgets and the log follow them at once. */
  savePrivacy(siteKey: string, body: unknown): Promise<PrivacySettings>;
}

/**
 * @example
 * const inbox = createInboxService({ ...deps, sessions, settings, defaults });
 * const page = await inbox.list('acme', { from, to, offset: 0, limit: 25 });
 */
export function createInboxService(deps: InboxServiceDeps): InboxService {
  const { store, log, dispatch, tasks, feed, sessions, settings, defaults, now } = deps;

  /** The live session, when it is one of this site's. */
  async function liveOf(siteKey: string, sessionId: string) {
    if (!ID_PATTERN.test(sessionId)) return undefined;
    const session = await store.sessions.get(sessionId);
    return session?.siteKey === siteKey ? session : undefined;
  }

  /** The session must be live and the site's: what can be acted on. */
  async function need(siteKey: string, sessionId: string): Promise<SessionRecord> {
    const session = await liveOf(siteKey, sessionId);
    if (!session) throw new SessionNotFoundError(sessionId);
    return session;
  }

  async function describe(
    logged: Omit<LoggedSession, 'siteKey'>,
    live: SessionRecord | undefined,
    /** Who the log says the visitor was: shown once the session is no longer live. */
    loggedIdentity?: SessionIdentity,
  ): Promise<InboxSession> {
    const session: InboxSession = {
      sessionId: logged.sessionId,
      startedAt: logged.startedAt,
      lastAt: logged.lastAt,
      messages: logged.messages,
      live: live !== undefined,
      connected: live?.boundSocket !== undefined,
      visitor: { kind: 'unknown', verified: false },
    };
    const url = live?.url ?? logged.url;
    if (url !== undefined) session.url = url;
    if (live?.takeover) session.takeover = { ...live.takeover };
    if (live) {
      const contact = await store.visitors.get(live.id).catch(() => ({}));
      const { identity } = live;
      if (identity) {
        session.visitor = { kind: 'identified', verified: identity.verified, contact };
        session.visitor.userId = identity.userId;
      } else if (Object.values(contact).some(Boolean)) {
        session.visitor = { kind: 'identified', verified: false, contact };
      } else session.visitor = { kind: 'anonymous', verified: false };
    } else if (loggedIdentity) {
      session.visitor = { kind: 'identified', verified: loggedIdentity.verified };
      session.visitor.userId = loggedIdentity.userId;
    }
    return session;
  }

  /**
   * The transcript: the log's rows, or the live history when the site keeps no log. Undefined
   * when the session is unknown or another site's.
   */
  async function transcript(
    siteKey: string,
    sessionId: string,
    live: SessionRecord | undefined,
  ): Promise<{ messages: TranscriptMessage[]; identity?: SessionIdentity } | undefined> {
    if (!ID_PATTERN.test(sessionId)) return undefined;
    const logged = await log.listSession(sessionId);
    if (logged.length > 0) {
      if (logged[0]?.siteKey !== siteKey) return undefined;
      // Who the visitor last said they were, for a conversation no longer live.
      const identity = [...logged].reverse().find((entry) => entry.identity)?.identity;
      return { messages: logged.map(fromEntry), ...(identity && { identity }) };
    }
    if (!live) return undefined;
    const history = await store.history.after(sessionId, 0);
    const messages = history.map(({ id, author, text, at, seq, name }) => {
      const message: TranscriptMessage = { id, author, text, at, seq: seq ?? 0 };
      if (name !== undefined) message.name = name;
      return message;
    });
    return { messages };
  }

  function operatorName(body: unknown): string {
    const name = (body as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > LIMITS.maxNameLength) {
      throw new SessionError(
        'invalid_payload',
        `name must be your name as visitors see it (1-${LIMITS.maxNameLength} characters)`,
      );
    }
    return name.trim();
  }

  async function conversation(siteKey: string, sessionId: string): Promise<ConversationView> {
    const live = await liveOf(siteKey, sessionId);
    const read = await transcript(siteKey, sessionId, live);
    if (!read) throw new SessionNotFoundError(sessionId);
    const { messages } = read;
    const pages: { url: string; at: number }[] = [];
    for (const m of messages) {
      if (m.url !== undefined && !pages.some((p) => p.url === m.url)) {
        pages.push({ url: m.url, at: m.at });
      }
    }
    if (live?.url !== undefined && !pages.some((p) => p.url === live.url)) {
      pages.push({ url: live.url, at: live.lastActiveAt });
    }
    const lastUrl = pages.length > 0 ? [...messages].reverse().find((m) => m.url)?.url : undefined;
    const session = await describe(
      {
        sessionId,
        startedAt: messages[0]?.at ?? live?.createdAt ?? 0,
        lastAt: messages.at(-1)?.at ?? live?.lastActiveAt ?? 0,
        messages: messages.length,
        ...(lastUrl !== undefined && { url: lastUrl }),
      },
      live,
      read.identity,
    );
    return { session, messages, pages };
  }

  const summary = async (siteKey: string, sessionId: string) =>
    (await conversation(siteKey, sessionId)).session;

  return {
    async knownSites() {
      const logged = await log.sites();
      return [...new Set([...settings.sites(), ...logged])].sort();
    },

    async list(siteKey, { from, to, search, offset, limit }) {
      const page = await log.listSessions({
        siteKey,
        from,
        to,
        limit,
        offset,
        ...(search !== undefined && search !== '' && { search }),
      });
      const sessions = await Promise.all(
        page.sessions.map(async (logged) =>
          describe(logged, await liveOf(siteKey, logged.sessionId)),
        ),
      );
      return { sessions, total: page.total, offset, limit };
    },

    conversation,

    async reply(siteKey, sessionId, body) {
      const checked = validatePostMessage(body);
      if (!checked.ok) throw new SessionError('invalid_payload', checked.message);
      const name = operatorName(body);
      await need(siteKey, sessionId);
      const posted = await sessions.post(sessionId, { text: checked.value.text, name });
      return {
        id: posted.id,
        author: posted.author,
        text: posted.text,
        at: posted.at,
        seq: posted.seq ?? 0,
        name,
      };
    },

    async typing(siteKey, sessionId) {
      await need(siteKey, sessionId);
      await sessions.typing(sessionId);
    },

    async takeOver(siteKey, sessionId, body) {
      const by = operatorName(body);
      await need(siteKey, sessionId);
      await store.lock.run(sessionId, async () => {
        await store.sessions.setTakeover(sessionId, { by, at: now() });
        // The agent's task is the agent speaking: it ends too.
        await tasks.stop(sessionId);
      });
      // An answer this node is computing right now ends at once; one on another node is
      // dropped when it posts (the dispatch reads the takeover under the session's lock).
      dispatch.silence(sessionId);
      feed.publish(siteKey, { type: 'session', sessionId });
      return summary(siteKey, sessionId);
    },

    async handBack(siteKey, sessionId) {
      await need(siteKey, sessionId);
      await store.lock.run(sessionId, () => store.sessions.setTakeover(sessionId, undefined));
      feed.publish(siteKey, { type: 'session', sessionId });
      return summary(siteKey, sessionId);
    },

    async purge(siteKey, sessionId) {
      const live = await liveOf(siteKey, sessionId);
      if (!(await transcript(siteKey, sessionId, live))) throw new SessionNotFoundError(sessionId);
      await sessions.purge(sessionId, { operator: true });
    },

    async stats(siteKey, { from, to, utcOffsetMinutes }) {
      const [counted, distinct] = await Promise.all([
        log.dailyCounts({ siteKey, from, to, utcOffsetMinutes }),
        log.listSessions({ siteKey, from, to, limit: 1 }),
      ]);
      const offset = utcOffsetMinutes * 60_000;
      const byDay = new Map(counted.map((d) => [d.day, d]));
      const days = [];
      const last = Math.floor((to - 1 + offset) / DAY);
      for (let day = Math.floor((from + offset) / DAY); day <= last; day++) {
        const found = byDay.get(day);
        days.push({
          day: new Date(day * DAY).toISOString().slice(0, 10),
          conversations: found?.conversations ?? 0,
          messages: found?.messages ?? 0,
        });
      }
      return {
        days,
        conversations: distinct.total,
        messages: counted.reduce((sum, d) => sum + d.messages, 0),
      };
    },

    async *entries(siteKey, { from, to }) {
      let after: MessageLogEntry | undefined;
      for (;;) {
        const page: MessageLogEntry[] = await log.listRange({
          siteKey,
          from,
          to,
          limit: EXPORT_PAGE,
          ...(after && { after: { at: after.at, sessionId: after.sessionId, seq: after.seq } }),
        });
        yield* page;
        if (page.length < EXPORT_PAGE) return;
        after = page.at(-1);
      }
    },

    privacy(siteKey) {
      return privacyOf(settings.lookup(siteKey), defaults);
    },

    async savePrivacy(siteKey, body) {
      const checked = validatePrivacySettings(body);
      if (!checked.ok) throw new SessionError('invalid_payload', checked.message);
      await settings.save(siteKey, checked.value);
      return privacyOf(settings.lookup(siteKey), defaults);
    },
  };
}

function fromEntry(entry: MessageLogEntry): TranscriptMessage {
  const message: TranscriptMessage = {
    id: entry.messageId,
    author: entry.author,
    text: entry.text,
    at: entry.at,
    seq: entry.seq,
  };
  if (entry.url !== undefined) message.url = entry.url;
  if (entry.name !== undefined) message.name = entry.name;
  return message;
}
