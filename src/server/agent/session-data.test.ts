// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createMemorySessionStore } from '../stores/memory-store.js';
import { sessionData } from './session-data.js';

describe('sessionData', () => {
  it('gives agent code one session’s values, its site’s values, visitor details and waits', async () => {
    let clock = 0;
    const store = createMemorySessionStore({ idleTtlMs: 60_000, now: () => clock });
    const mine = await store.sessions.create('acme', 'v1');
    const mineElsewhere = await store.sessions.create('acme', 'v1');
    const data = sessionData(store, mine);
    const other = sessionData(store, mineElsewhere);

    await data.save('plan', 'pro');
    await data.save('seen', [1, 2]);
    expect(await data.get('plan')).toBe('pro');
    expect(await other.get('plan')).toBeUndefined();
    await data.clear(['seen']);
    expect(await data.fetchAll()).toEqual({ seen: [1, 2] });
    expect(await data.evict('seen')).toBe(true);

    await data.site.save('promo', { code: 'SPRING' });
    expect(await other.site.get('promo')).toEqual({ code: 'SPRING' });

    expect(await data.visitor.save({ email: 'ada@example.com' })).toEqual({
      email: 'ada@example.com',
    });
    expect(await other.visitor.get()).toEqual({});

    const wait = { question: 'Q?', taskId: 't', step: 0, createdAt: 0, expiresAt: 1000 };
    await store.waits.add(mine.id, { ...wait, id: 'w1', scope: 'contact' });
    await store.waits.add(mineElsewhere.id, { ...wait, id: 'w2', scope: 'contact' });
    expect((await data.waits.list()).map((w) => w.id)).toEqual(['w1']);
    expect((await data.waits.listForVisitor()).map((w) => w.id).sort()).toEqual(['w1', 'w2']);
    expect(await data.waits.clear('contact')).toBe(1);
    expect((await other.waits.list()).map((w) => w.id)).toEqual(['w2']);
    clock = 1000;
    expect(await other.waits.list()).toEqual([]);

    const anonymous = sessionData(store, await store.sessions.create('acme'));
    expect(await anonymous.waits.listForVisitor()).toEqual([]);
  });
});
