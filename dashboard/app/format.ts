const DAY = 86_400_000;

const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** "Dec 3, 14:05", or "14:05" for today. */
export function when(at: number, now = Date.now()): string {
  return new Date(at).toDateString() === new Date(now).toDateString()
    ? time.format(at)
    : dateTime.format(at);
}

/** A page's path and query, without the origin ("/pricing.html"). */
export function pagePath(url: string | undefined): string {
  if (!url) return '—';
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
}

/** `YYYY-MM-DD` of a local date (what `<input type="date">` holds). */
export function dayInput(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight of a `YYYY-MM-DD`, `days` later; NaN for anything else. */
function midnight(day: string, days = 0): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return Number.NaN;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  return new Date(y, m - 1, d + days).getTime();
}

/** A range of `<input type="date">` values as ms: from's local midnight to the end of to's day. */
export function rangeOf(from: string, to: string): { from: number; to: number } | undefined {
  const start = midnight(from);
  const end = midnight(to, 1);
  return end > start ? { from: start, to: end } : undefined;
}

/** The last `days` days, today included, as input values. */
export function lastDays(days: number, now = Date.now()): { from: string; to: string } {
  return { from: dayInput(now - (days - 1) * DAY), to: dayInput(now) };
}
