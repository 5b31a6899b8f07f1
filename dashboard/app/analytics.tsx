import { useEffect, useState } from 'preact/hooks';
import type { SiteStats } from '../../src/protocol/dashboard.js';
import { api } from '../api.js';
import { chartGeometry } from './chart.js';
import { DayRangeFields } from './day-range-fields.js';
import { lastDays, rangeOf } from './format.js';

/** Conversations and messages per day over a range, drawn as SVG, and the range as CSV. */
export function Analytics({ site }: { site: string }) {
  const [days, setDays] = useState(() => lastDays(14));
  const [stats, setStats] = useState<SiteStats | undefined>(undefined);
  const [error, setError] = useState('');
  const range = rangeOf(days.from, days.to);
  const query = range
    ? new URLSearchParams({
        from: String(range.from),
        to: String(range.to),
        tz: String(-new Date(range.from).getTimezoneOffset()),
      })
    : undefined;

  useEffect(() => {
    if (!query) return setError('Pick a start day before the end day.');
    let current = true;
    api<SiteStats>('GET', `sites/${site}/stats?${query}`).then(
      (next) => {
        if (!current) return;
        setStats(next);
        setError('');
      },
      () => current && setError('Could not load the figures (a range is at most 400 days).'),
    );
    return () => {
      current = false;
    };
  }, [site, query?.toString()]);

  return (
    <main class="page">
      <h1>Analytics</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <DayRangeFields days={days} onChange={setDays} />
        {query && (
          <a class="button" href={`/dashboard/api/sites/${site}/export.csv?${query}`} download>
            Download CSV
          </a>
        )}
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {stats && (
        <>
          <dl class="totals">
            <div>
              <dt>Conversations</dt>
              <dd data-total="conversations">{stats.conversations}</dd>
            </div>
            <div>
              <dt>Messages</dt>
              <dd data-total="messages">{stats.messages}</dd>
            </div>
          </dl>
          <Chart stats={stats} />
        </>
      )}
    </main>
  );
}

function Chart({ stats }: { stats: SiteStats }) {
  const g = chartGeometry(stats.days, 760, 260);
  const right = g.width - 44;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${g.width} ${g.height}`}
        role="img"
        aria-label={`Conversations (bars) and messages (line) per day, ${stats.days[0]?.day ?? ''} to ${stats.days.at(-1)?.day ?? ''}`}
      >
        {g.ticks.map((t, i) => (
          <g key={t.y} class="tick">
            <line x1={40} x2={right} y1={t.y} y2={t.y} />
            {t.value !== undefined && (
              <text x={34} y={t.y + 4} text-anchor="end">
                {t.value}
              </text>
            )}
            {g.messageTicks[i] !== undefined && (
              <text x={right + 6} y={t.y + 4} class="messages-scale">
                {g.messageTicks[i]}
              </text>
            )}
          </g>
        ))}
        {g.bars.map((b) => (
          <rect
            key={b.day.day}
            class="bar"
            x={b.x}
            y={b.y}
            width={b.width}
            height={b.height}
            data-day={b.day.day}
          >
            <title>
              {b.day.day}: {b.day.conversations} conversation(s), {b.day.messages} message(s)
            </title>
          </rect>
        ))}
        <path class="line" d={g.line} />
        {g.labels.map((l) => (
          <text key={l.x} x={l.x} y={g.height - 8} text-anchor="middle" class="label">
            {l.text}
          </text>
        ))}
      </svg>
      <figcaption>
        <span class="key bar-key" /> Conversations (left scale) <span class="key line-key" />{' '}
        Messages (right scale)
      </figcaption>
    </figure>
  );
}
