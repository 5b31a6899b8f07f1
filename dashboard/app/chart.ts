import type { DayCount } from '../../src/protocol/dashboard.js';

/** What the SVG chart draws: bars for conversations, a line for messages, a scale for each. */
export interface ChartGeometry {
  width: number;
  height: number;
  /** One bar per day: conversations. */
  bars: { x: number; y: number; width: number; height: number; day: DayCount }[];
  /** The messages line through the middle of each day's slot. */
  line: string;
  /** Gridlines with their value on the left scale (conversations); a fraction has no label. */
  ticks: { y: number; value: number | undefined }[];
  /** Gridline values on the right scale (messages), at the same heights; a fraction has none. */
  messageTicks: (number | undefined)[];
  /** Day labels under the axis, thinned to fit. */
  labels: { x: number; text: string }[];
}

const PAD = { top: 12, right: 44, bottom: 28, left: 40 };

/**
 * The top of a scale for counts up to `max`: 1, 2, 4, 8, 20, 40, 80, 200… so that the four
 * gridlines above 0 fall on whole numbers (beyond 2).
 */
export function niceCeiling(max: number): number {
  if (max <= 1) return 1;
  if (max <= 2) return 2;
  const quarter = max / 4;
  const power = 10 ** Math.floor(Math.log10(quarter));
  for (const step of [1, 2, 5, 10]) if (step * power >= quarter) return 4 * step * power;
  return 40 * power;
}

/**
 * Lays out a per-day chart in a `width` x `height` box: pure arithmetic, so the page draws plain
 * SVG (no chart library) and tests check the numbers.
 */
export function chartGeometry(days: DayCount[], width: number, height: number): ChartGeometry {
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const maxConversations = niceCeiling(Math.max(0, ...days.map((d) => d.conversations)));
  const maxMessages = niceCeiling(Math.max(0, ...days.map((d) => d.messages)));
  const slot = days.length > 0 ? plotW / days.length : plotW;
  const barW = Math.max(1, Math.min(32, slot * 0.6));
  const yOf = (value: number, max: number) => PAD.top + plotH - (value / max) * plotH;
  const bars = days.map((day, i) => {
    const y = yOf(day.conversations, maxConversations);
    return {
      x: PAD.left + i * slot + (slot - barW) / 2,
      y,
      width: barW,
      height: PAD.top + plotH - y,
      day,
    };
  });
  const line = days
    .map(
      (d, i) =>
        `${i === 0 ? 'M' : 'L'}${round(PAD.left + (i + 0.5) * slot)},${round(yOf(d.messages, maxMessages))}`,
    )
    .join(' ');
  const whole = (n: number) => (Number.isInteger(n) ? n : undefined);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({
    y: yOf(f * maxConversations, maxConversations),
    value: whole(f * maxConversations),
  }));
  const messageTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => whole(f * maxMessages));
  // About one label per 56 px.
  const every = Math.max(1, Math.ceil(days.length / Math.max(1, Math.floor(plotW / 56))));
  const labels = days
    .map((d, i) => ({ i, d }))
    .filter(({ i }) => i % every === 0)
    .map(({ i, d }) => ({ x: PAD.left + (i + 0.5) * slot, text: d.day.slice(5) }));
  return { width, height, bars, line, ticks, messageTicks, labels };
}

const round = (n: number) => Math.round(n * 10) / 10;
