import { stringify } from 'csv-stringify/sync';

/**
 * Records as CSV the way RFC 4180 has it (every text field quoted, quotes doubled, CRLF between
 * records), safe to open in a spreadsheet: a text starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return would run as a formula (CSV injection, OWASP), so it gets a leading `'`, which
 * spreadsheets show as text. Numbers are data and stay as they are.
 *
 * @example csvRows([['time', 'text'], ['2026-01-01T00:00:00.000Z', '=HYPERLINK(...)']])
 */
export function csvRows(records: readonly (readonly (string | number | undefined)[])[]): string {
  return stringify(records as (string | number | undefined)[][], {
    quoted_string: true,
    escape_formulas: true,
    record_delimiter: 'windows',
  });
}
