import { describe, expect, it } from 'vitest';
import { chartGeometry, niceCeiling } from './chart.js';

const day = (n: number, conversations: number, messages: number) => ({
  day: `2026-01-${String(n).padStart(2, '0')}`,
  conversations,
  messages,
});

describe('chart geometry', () => {
  it('scales to a nice ceiling', () => {
    expect([0, 1, 2, 3, 7, 11, 20, 21, 99, 101, 801].map(niceCeiling)).toEqual([
      1, 1, 2, 4, 8, 20, 20, 40, 200, 200, 2000,
    ]);
  });

  it('draws a bar per day, taller for more conversations, and the messages line through each day', () => {
    const g = chartGeometry([day(1, 2, 10), day(2, 0, 0), day(3, 5, 40)], 300, 200);
    expect(g.bars.map((b) => b.day.day)).toEqual(['2026-01-01', '2026-01-02', '2026-01-03']);
    const [a, b, c] = g.bars.map((bar) => bar.height);
    expect(b).toBe(0);
    expect(c).toBeCloseTo((a ?? 0) * 2.5);
    expect(g.line.split(' ')).toHaveLength(3);
    expect(g.line.startsWith('M')).toBe(true);
    // Scales of 8 conversations and 40 messages: whole numbers on every gridline.
    expect(g.ticks.map((t) => t.value)).toEqual([0, 2, 4, 6, 8]);
    expect(g.messageTicks).toEqual([0, 10, 20, 30, 40]);
    // A scale of 1 labels only 0 and 1.
    const one = chartGeometry([day(1, 1, 1)], 300, 200);
    expect(one.ticks.map((t) => t.value)).toEqual([0, undefined, undefined, undefined, 1]);
    expect(one.bars[0]?.y).toBe(12);
  });

  it('thins the day labels to fit, and copes with no days at all', () => {
    const month = Array.from({ length: 31 }, (_, i) => day(i + 1, 1, 1));
    expect(chartGeometry(month, 360, 200).labels.length).toBeLessThan(10);
    const none = chartGeometry([], 300, 200);
    expect([none.bars, none.line, none.labels]).toEqual([[], '', []]);
  });
});
