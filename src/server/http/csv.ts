/**
 * CSV as RFC 4180 has it (every text field quoted, quotes doubled, CRLF between records), safe to
 * open in a spreadsheet: a text starting with `=`, `+`, `-`, `@`, a tab or a carriage return would
 * run as a formula (CSV injection, OWASP), so it gets a leading `'`, which spreadsheets show as
 * text. Numbers are data and stay as they are.
 *
 * Written here: csv-stringify does the same with `quoted_string` and `escape_formulas`, but every
 * server dependency of the package is one more optional peer an operator installs by hand, and
 * this is all there is to it (the tests hold it to the OWASP cases).
 *
 * @example csvRows([['time', 'text'], ['2026-01-01T00:00:00.000Z', '=HYPERLINK(...)']])
 */
export function csvRows(records: readonly (readonly (string | number | undefined)[])[]): string {
  return records.map((record) => `${record.map(csvField).join(',')}\r\n`).join('');
}

const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${text.replaceAll('"', '""')}"`;
}
