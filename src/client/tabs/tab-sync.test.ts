// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTabSync, parseTabMessage, type TabMessage } from './tab-sync.js';

const stored = {
  id: 'm1',
  author: 'visitor',
  text: 'hi',
  at: 1,
  siteKey: 'acme',
  status: 'pending',
};

describe('parseTabMessage', () => {
  it('accepts the known messages and drops malformed message records', () => {
    expect(parseTabMessage({ type: 'widget', open: true, draft: '' })).toEqual({
      type: 'widget',
      open: true,
      draft: '',
    });
    expect(parseTabMessage({ type: 'widget', open: false, draft: '', unread: 3 })).toEqual({
      type: 'widget',
      open: false,
      draft: '',
      unread: 3,
    });
    // A count that is not one is left out: the receiving tab keeps its own.
    for (const unread of [-1, 2.5, '3', 1e9])
      expect(parseTabMessage({ type: 'widget', open: false, draft: '', unread })).toEqual({
        type: 'widget',
        open: false,
        draft: '',
      });
    expect(parseTabMessage({ type: 'clear' })).toEqual({ type: 'clear' });
    expect(parseTabMessage({ type: 'hello' })).toEqual({ type: 'hello' });
    // Contact details travel with the news (checked like identify()'s), not read back from storage.
    expect(parseTabMessage({ type: 'user', user: { name: ' Ada ', email: 'ada@x.test' } })).toEqual(
      { type: 'user', user: { name: 'Ada', email: 'ada@x.test' } },
    );
    expect(parseTabMessage({ type: 'user', user: { email: 'not an address' } })).toBeUndefined();
    expect(parseTabMessage({ type: 'user' })).toBeUndefined();
    expect(parseTabMessage({ type: 'link', connected: false })).toEqual({
      type: 'link',
      connected: false,
    });
    // A draft longer than a message can be is cut to what the composer takes.
    expect(parseTabMessage({ type: 'widget', open: false, draft: 'x'.repeat(5_000) })).toEqual({
      type: 'widget',
      open: false,
      draft: 'x'.repeat(4_000),
    });
    expect(
      parseTabMessage({ type: 'messages', messages: [stored, { id: 'x', author: 'evil' }] }),
    ).toEqual({
      type: 'messages',
      messages: [stored],
    });
  });

  it.each([
    null,
    'clear',
    { type: 'widget', open: 'yes', draft: '' },
    { type: 'widget', open: true },
    { type: 'link', connected: 'yes' },
    { type: 'session', sessionId: 5 },
    { type: 'nope' },
  ])('ignores %j', (input) => expect(parseTabMessage(input)).toBeUndefined());
});

describe('createTabSync', () => {
  const open: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const t of open.splice(0)) t.close();
    vi.unstubAllGlobals();
  });

  it('delivers between two tabs over BroadcastChannel, not to itself', async () => {
    const a: TabMessage[] = [];
    const b: TabMessage[] = [];
    const tabA = createTabSync({ siteKey: 'acme', onMessage: (m) => a.push(m) });
    const tabB = createTabSync({ siteKey: 'acme', onMessage: (m) => b.push(m) });
    const other = createTabSync({ siteKey: 'other', onMessage: () => expect.fail('wrong site') });
    open.push(tabA, tabB, other);
    expect(tabA.transport).toBe('broadcast-channel');
    tabA.post({ type: 'widget', open: true, draft: '' });
    await vi.waitFor(() => expect(b).toEqual([{ type: 'widget', open: true, draft: '' }]));
    expect(a).toEqual([]);
  });

  it('falls back to storage events when BroadcastChannel is missing', () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    const received: TabMessage[] = [];
    const sync = createTabSync({ siteKey: 'acme', onMessage: (m) => received.push(m) });
    open.push(sync);
    expect(sync.transport).toBe('storage-event');
    sync.post({ type: 'clear' });
    const written = localStorage.getItem('leflux:acme:bus');
    expect(JSON.parse(written!).message).toEqual({ type: 'clear' });
    // What another tab's write looks like when it arrives here.
    window.dispatchEvent(
      new StorageEvent('storage', {
        key: 'leflux:acme:bus',
        newValue: JSON.stringify({
          from: 'other-tab',
          n: 0,
          message: { type: 'widget', open: false, draft: 'hi' },
        }),
      }),
    );
    // Our own write echoed back (same tab id) is ignored.
    window.dispatchEvent(
      new StorageEvent('storage', { key: 'leflux:acme:bus', newValue: written }),
    );
    expect(received).toEqual([{ type: 'widget', open: false, draft: 'hi' }]);
  });
});
