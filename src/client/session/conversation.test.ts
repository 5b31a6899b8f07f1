import { describe, expect, it } from 'vitest';
import { compareMessages, type StoredMessage } from '../storage/history.js';
import { createConversation, mergeMessage } from './conversation.js';

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

describe('createConversation order', () => {
  /** A small deterministic PRNG, so a failure replays. */
  const random = (seed: number) => () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };

  it('keeps display order through single changes and bulk changes, never mutating a given list', () => {
    const next = random(7);
    const c = createConversation();
    let seq = 0;
    for (let round = 0; round < 300; round++) {
      const before = c.list();
      const snapshot = [...before];
      const bulk = round % 50 === 49;
      const copies: StoredMessage[] = [];
      for (let i = 0; i < (bulk ? 120 : 1 + Math.floor(next() * 3)); i++) {
        const known = c.list();
        const pick = known[Math.floor(next() * known.length)];
        if (pick && next() < 0.5) {
          // A delivery, or an archive mark, on a message we already hold.
          copies.push(
            pick.status === 'pending'
              ? { ...pick, status: 'sent', seq: ++seq }
              : { ...pick, archivedAt: 1000 + round },
          );
        } else {
          const id = `m${round}-${i}`;
          copies.push(
            next() < 0.3
              ? msg(id, { at: round })
              : msg(id, { status: 'sent', seq: ++seq, at: round, author: 'agent' }),
          );
        }
      }
      c.apply(copies);
      expect(before).toEqual(snapshot);
      const list = c.list();
      const inOrder = list.every(
        (m, i) => i === 0 || compareMessages(list[i - 1] as StoredMessage, m) <= 0,
      );
      expect(inOrder).toBe(true);
      expect(new Set(list.map((m) => m.id)).size).toBe(list.length);
      expect(list.every((m) => c.get(m.id) === m)).toBe(true);
    }
    expect(c.list().length).toBeGreaterThan(300);
  });

  it('inserts a late message in place: an earlier sequence goes before later ones', () => {
    const c = createConversation();
    c.apply([msg('s1', { status: 'sent', seq: 1 }), msg('s3', { status: 'sent', seq: 3 })]);
    c.apply([msg('p', { at: 9 })]);
    c.apply([msg('s2', { status: 'sent', seq: 2 })]);
    expect(c.list().map((m) => m.id)).toEqual(['s1', 's2', 's3', 'p']);
    c.apply([msg('p', { status: 'sent', seq: 4 })]);
    c.apply([msg('s3', { status: 'sent', seq: 3, archivedAt: 5 })]);
    expect(c.list().map((m) => m.id)).toEqual(['s3', 's1', 's2', 'p']);
  });
});
