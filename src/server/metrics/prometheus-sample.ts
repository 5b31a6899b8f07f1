/**
 * The value of one series in Prometheus text format, e.g.
 * `sample(text, 'leflux_messages_total{direction="in"}')`; undefined when absent. For tests
 * and benchmarks that scrape `/metrics`.
 */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
