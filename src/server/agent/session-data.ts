import type { ContactDetails } from '../../protocol/index.js';
import type {
  JsonValue,
  SessionRecord,
  SessionStore,
  WaitRecord,
} from '../stores/session-store.js';

/** Key/value access with the same five verbs for session and site values. */
export interface ValueScope {
  get(key: string): Promise<JsonValue | undefined>;
  save(key: string, value: JsonValue): Promise<void>;
  /** Removes one value; true when it was set. */
  evict(key: string): Promise<boolean>;
  fetchAll(): Promise<Record<string, JsonValue>>;
}

/**
 * The data agent code may read and write for one session. Built on `SessionStore`, so it is
 * the same on every store. Session values, visitor details and waits die with the session;
 * site values outlive it.
 */
export interface SessionData extends ValueScope {
  /** Removes every session value except those named in `retain`. */
  clear(retain?: readonly string[]): Promise<void>;
  /** Values shared by every session of the site. */
  site: ValueScope;
  visitor: {
    get(): Promise<ContactDetails>;
    /** Merges details in (empty ones ignored); returns all known details. */
    save(props: ContactDetails): Promise<ContactDetails>;
  };
  waits: {
    /** Open waits of this session. */
    list(): Promise<WaitRecord[]>;
    /** Open waits of every live session of this visitor on this site (empty without a visitor id). */
    listForVisitor(): Promise<WaitRecord[]>;
    /** Closes this session's waits (of one scope if given); returns how many. A task waiting on one ends. */
    clear(scope?: string): Promise<number>;
  };
}

/**
 * The `SessionData` of `session` on `store`.
 *
 * @example
 * const data = sessionData(store, session);
 * await data.save('plan', 'pro');
 * const { email } = await data.visitor.get();
 */
export function sessionData(
  store: SessionStore,
  session: Pick<SessionRecord, 'id' | 'siteKey' | 'visitorId'>,
): SessionData {
  const { id, siteKey, visitorId } = session;
  return {
    get: (key) => store.values.get(id, key),
    save: (key, value) => store.values.save(id, key, value),
    evict: (key) => store.values.evict(id, key),
    fetchAll: () => store.values.fetchAll(id),
    clear: (retain) => store.values.clear(id, retain),
    site: {
      get: (key) => store.siteValues.get(siteKey, key),
      save: (key, value) => store.siteValues.save(siteKey, key, value),
      evict: (key) => store.siteValues.evict(siteKey, key),
      fetchAll: () => store.siteValues.fetchAll(siteKey),
    },
    visitor: {
      get: () => store.visitors.get(id),
      save: (props) => store.visitors.save(id, props),
    },
    waits: {
      list: () => store.waits.list({ sessionId: id }),
      listForVisitor: async () =>
        visitorId === undefined ? [] : store.waits.list({ siteKey, visitorId }),
      clear: (scope) => store.waits.clear({ sessionId: id }, scope),
    },
  };
}
