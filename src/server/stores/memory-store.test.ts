// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createMemorySessionStore } from './memory-store.js';
import { describeSessionStore } from './session-store-conformance.js';

describeSessionStore('memory', (fixture) => createMemorySessionStore(fixture));

describe('memory session store', () => {
  it('keeps at most maxHistory messages, dropping the oldest (and forgetting their ids)', async () => {
    const store = createMemorySessionStore({ idleTtlMs: 60_000, maxHistory: 3 });
    const { id } = await store.sessions.create('acme');
    const message = (m: string) => ({ id: m, author: 'visitor', text: m, at: 1 }) as const;
    for (const m of ['a', 'b', 'c', 'd', 'e']) await store.history.append(id, message(m));
    expect((await store.history.after(id, 0)).map((m) => [m.id, m.seq])).toEqual([
      ['c', 3],
      ['d', 4],
      ['e', 5],
    ]);
    expect((await store.history.recent(id, 2))?.messages.map((m) => m.id)).toEqual(['d', 'e']);
  });
});
