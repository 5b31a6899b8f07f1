import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../protocol/index.js';
import { HistoryCache } from './history-cache.js';

const messages = (count: number, text = 'x'.repeat(20)): ChatMessage[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `m${i}`,
    author: 'visitor',
    text,
    at: i,
    seq: i + 1,
  }));
/** 2 bytes per character plus 160 per message. */
const cost = (count: number, textLength = 20) => count * (2 * textLength + 160);

describe('HistoryCache', () => {
  it('forgets the least recently used sessions first when over its budget', () => {
    const cache = new HistoryCache(cost(10));
    cache.remember('a', messages(4));
    cache.remember('b', messages(4));
    // Reading does not count as use; remembering again does.
    cache.remember('a', messages(4));
    cache.remember('c', messages(4));
    expect(cache.held('b').count).toBe(0);
    expect(cache.held('a').count).toBe(4);
    expect(cache.held('c').count).toBe(4);
    expect(cache.size).toEqual({ sessions: 2, bytes: cost(8) });
  });

  it('keeps no history larger than its whole budget, and nothing for an empty one', () => {
    const cache = new HistoryCache(cost(10));
    cache.remember('a', messages(3));
    cache.remember('big', messages(11));
    cache.remember('empty', []);
    expect(cache.held('big').count).toBe(0);
    expect(cache.held('empty').count).toBe(0);
    expect(cache.held('a').count).toBe(3);
  });

  it('extends in place the list a read saw, unless it changed since; a view stays as it was seen', () => {
    const cache = new HistoryCache(cost(10));
    cache.remember('a', messages(2));
    const seen = cache.held('a');
    expect(cache.extend('a', seen, messages(3).slice(2))).toBe(true);
    expect(seen.count).toBe(2);
    expect(cache.held('a').count).toBe(3);
    expect(cache.held('a').list).toBe(seen.list);
    // Another read extended it meanwhile: this one does not, and says so.
    expect(cache.extend('a', seen, messages(4).slice(3))).toBe(false);
    cache.remember('a', messages(1));
    expect(cache.extend('a', seen, messages(4).slice(3))).toBe(false);
    expect(cache.size).toEqual({ sessions: 1, bytes: cost(1) });
  });

  it('counts long texts by their length', () => {
    const cache = new HistoryCache(cost(2, 4000) + cost(1));
    cache.remember('long', messages(2, 'y'.repeat(4000)));
    cache.remember('short', messages(1));
    expect(cache.size).toEqual({ sessions: 2, bytes: cost(2, 4000) + cost(1) });
    cache.remember('more', messages(1));
    expect(cache.held('long').count).toBe(0);
    cache.forget('short');
    cache.clear();
    expect(cache.size).toEqual({ sessions: 0, bytes: 0 });
  });
});
