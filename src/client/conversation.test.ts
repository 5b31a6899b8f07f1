import { describe, expect, it } from 'vitest';
import { createConversation, mergeMessage } from './conversation.js';
import type { StoredMessage } from './storage/history.js';

const msg = (id: string, extra: Partial<StoredMessage> = {}): StoredMessage => ({
  id,
  author: 'visitor',
  text: id,
  at: 1,
  siteKey: 'acme',
  status: 'pending',
  ...extra,
});

describe('mergeMessage', () => {
  it('never moves a message backwards: a stale pending copy does not undo a delivery', () => {
    const sent = msg('a', { status: 'sent', seq: 3, sessionId: 's1' });
    expect(mergeMessage(sent, msg('a'))).toEqual(sent);
  });

  it('takes a delivery and an archive mark from the incoming copy', () => {
    const merged = mergeMessage(msg('a'), msg('a', { status: 'sent', seq: 4, archivedAt: 9 }));
    expect(merged).toMatchObject({ status: 'sent', seq: 4, archivedAt: 9 });
  });
});

describe('createConversation', () => {
  it('reports only real changes, keeps display order and the outbox', () => {
    const c = createConversation();
    expect(
      c.apply([msg('p2', { at: 5 }), msg('s1', { status: 'sent', seq: 1 }), msg('p1', { at: 4 })]),
    ).toHaveLength(3);
    expect(c.list().map((m) => m.id)).toEqual(['s1', 'p1', 'p2']);
    expect(c.apply([msg('s1', { status: 'sent', seq: 1 })])).toEqual([]);
    expect(c.pending().map((m) => m.id)).toEqual(['p1', 'p2']);
    expect(c.lastSeq()).toBe(1);
  });

  it('archives delivered messages only, and they leave lastSeq', () => {
    const c = createConversation();
    c.apply([msg('s1', { status: 'sent', seq: 7 }), msg('p1')]);
    const changed = c.archive(100);
    expect(changed.map((m) => [m.id, m.archivedAt])).toEqual([['s1', 100]]);
    expect(c.lastSeq()).toBe(0);
    expect(c.get('p1')?.archivedAt).toBeUndefined();
  });
});
