/** The bench report: one table on stdout, and `bench/results.json`. */
import { writeFileSync } from 'node:fs';

export type Unit = 'ms' | 'KB' | 'msg/CPU-s' | 'tasks' | 'msgs' | '%';

export interface Row {
  figure: string;
  /** null: not measured in this run (see `note`). */
  value: number | null;
  unit: Unit;
  /** The issue's target, e.g. `<= 40 ms`; absent when the issue sets none for this figure. */
  target?: { op: '<=' | '>='; value: number; unit: Unit | '% of baseline' };
  baseline: { label: string; value: number | null } | null;
  /** How the ratio value / baseline reads best. */
  ratioAs: 'percent' | 'times';
  note?: string;
}

const number = (value: number, unit: Unit | '% of baseline') => {
  const digits =
    unit === 'ms' ? (value < 10 ? 2 : value < 100 ? 1 : 0) : unit === 'KB' || unit === '%' ? 1 : 0;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
};

const withUnit = (value: number, unit: Unit) => `${number(value, unit)} ${unit}`;

export function ratio(row: Row): number | null {
  const base = row.baseline?.value;
  if (row.value === null || base === null || base === undefined || base === 0) return null;
  return row.value / base;
}

/** Whether the row meets its target; null when it has none or was not measured. */
export function met(row: Row): boolean | null {
  if (!row.target || row.value === null) return null;
  const measured =
    row.target.unit === '% of baseline' ? (ratio(row) ?? Number.NaN) * 100 : row.value;
  if (Number.isNaN(measured)) return null;
  return row.target.op === '<=' ? measured <= row.target.value : measured >= row.target.value;
}

function cells(row: Row): string[] {
  const r = ratio(row);
  const status = met(row);
  const target = row.target
    ? `${row.target.op} ${number(row.target.value, row.target.unit)}${
        row.target.unit === '% of baseline' ? '% of baseline' : ` ${row.target.unit}`
      }${status === null ? '' : status ? '  ok' : '  MISS'}`
    : '-';
  return [
    row.figure,
    row.value === null ? 'n/a' : withUnit(row.value, row.unit),
    target,
    row.baseline
      ? `${row.baseline.label}: ${row.baseline.value === null ? 'n/a' : withUnit(row.baseline.value, row.unit)}`
      : '-',
    r === null ? '-' : row.ratioAs === 'percent' ? `${(r * 100).toFixed(1)}%` : `${r.toFixed(2)}x`,
    row.note ?? '',
  ];
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['figure', 'value', 'target', 'baseline', 'ratio', 'note'];
  const body = rows.map(cells);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function writeResults(path: string, rows: readonly Row[], details: unknown): void {
  const json = {
    generatedAt: new Date().toISOString(),
    rows: rows.map((row) => ({ ...row, ratio: ratio(row), met: met(row) })),
    details,
  };
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
}
