import { afterEach, describe, expect, it, vi } from 'vitest';
import { AGENT_TYPING_MS } from '../../protocol/index.js';
import { createClient } from '../create-client.js';
import { schedule } from '../schedule.js';
import { createStateStore } from '../state.js';
import { memoryHistory } from '../storage/history.js';
import type { TabMessage, TabSync } from '../tabs/tab-sync.js';
import type { Connection, ConnectionEvents } from '../transport/connection.js';
import type { ClientState } from '../types.js';
import { createTypingIndicator } from './typing.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('typing indicator', () => {
  it('shows for AGENT_TYPING_MS at most; hide ends it sooner; show again restarts it', () => {
    vi.useFakeTimers();
    const store = createStateStore({ typing: false } as ClientState);
    const typing = createTypingIndicator(store, schedule);
    typing.show();
    expect(store.getState().typing).toBe(true);
    vi.advanceTimersByTime(AGENT_TYPING_MS - 1);
    typing.show();
    vi.advanceTimersByTime(AGENT_TYPING_MS - 1);
    expect(store.getState().typing).toBe(true);
    vi.advanceTimersByTime(1);
    expect(store.getState().typing).toBe(false);
    typing.show();
    typing.hide();
    expect(store.getState().typing).toBe(false);
  });
});

/** Two tabs of one browser with a socket each: the server side is driven by hand. */
function twoTabs() {
  const listeners = new Set<(m: TabMessage) => void>();
  const bus = (onMessage: (m: TabMessage) => void): TabSync => {
    listeners.add(onMessage);
    return {
      transport: 'broadcast-channel',
      post: (m) => {
        for (const l of listeners) if (l !== onMessage) queueMicrotask(() => l(structuredClone(m)));
      },
      close: () => void listeners.delete(onMessage),
    };
  };
  const map = new Map<string, string>();
  const local = {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  } as Storage;
  const history = memoryHistory();
  const events: ConnectionEvents[] = [];
  const make = () =>
    createClient({
      server: 'http://chat.test',
      siteKey: 'acme',
      defaultOpen: true,
      localStorage: () => local,
      history: async () => history,
      tabs: bus,
      page: () => ({ url: 'http://site.test/', title: 'Site' }),
      fetch: (async () =>
        Response.json({ error: { code: 'session_not_found' } }, { status: 404 })) as typeof fetch,
      connect: async ({ events: e }) => {
        events.push(e);
        const conn: Connection = {
          connected: true,
          init: async () => ({ ok: true, sessionId: 's1', token: 't1', resumed: true, missed: [] }),
          sendMessage: async () => ({ ok: true, seq: 1, duplicate: false }),
          reportAction: () => {},
          close: () => {},
        };
        queueMicrotask(() => e.connected());
        return conn;
      },
    });
  return { make, events };
}

describe('agent messages and typing in the client', () => {
  it('typing shows in every tab until the agent message; names and system notices are kept', async () => {
    const { make, events } = twoTabs();
    const a = make();
    const b = make();
    await Promise.all([a.ready(), b.ready()]);
    await a.send('hi');
    await vi.waitFor(() => expect(a.getSession().id).toBe('s1'));
    await vi.waitFor(() => expect(b.getSession().id).toBe('s1'));
    const holder = events[0] as ConnectionEvents;

    holder.agent_typing({});
    expect(a.getState().typing).toBe(true);
    await vi.waitFor(() => expect(b.getState().typing).toBe(true));

    holder.agent_message({ id: 'o1', text: 'Hello, I am Ada.', at: 5, seq: 1, name: 'Ada' });
    expect(a.getState().typing).toBe(false);
    await vi.waitFor(() => expect(b.getState().typing).toBe(false));
    expect(b.getState().messages.find((m) => m.id === 'o1')).toMatchObject({
      author: 'agent',
      name: 'Ada',
    });

    holder.agent_message({ id: 's2', text: 'Could not answer.', at: 6, seq: 2, author: 'system' });
    expect(a.getState().messages.find((m) => m.id === 's2')).toMatchObject({ author: 'system' });

    // Whatever is not an agent message is dropped, not shown.
    holder.agent_message({ id: 'x', text: 'no seq', at: 7 });
    holder.agent_message({ id: 'y', text: 'bad author', at: 7, seq: 3, author: 'visitor' });
    holder.agent_message('nonsense');
    expect(
      a
        .getState()
        .messages.map((m) => m.text)
        .sort(),
    ).toEqual(['Could not answer.', 'Hello, I am Ada.', 'hi']);
    a.destroy();
    b.destroy();
  });
});
