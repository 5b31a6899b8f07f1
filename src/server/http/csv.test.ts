import { describe, expect, it } from 'vitest';
import { csvRows } from './csv.js';

const field = (value: string | number) => csvRows([[value]]).slice(0, -2);

describe('csv', () => {
  it('quotes every text, doubling its quotes; keeps commas and newlines inside the field', () => {
    expect(csvRows([['a', 'say "hi", then\r\nleave', 3, undefined]])).toBe(
      '"a","say ""hi"", then\r\nleave",3,\r\n',
    );
  });

  it.each([
    ['=HYPERLINK("http://evil.example")', `"'=HYPERLINK(""http://evil.example"")"`],
    ['+1+1', `"'+1+1"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\r=1"`],
    ['a=1', '"a=1"'],
  ])('defuses a formula: %j', (text, expected) => {
    expect(field(text)).toBe(expected);
  });

  it('leaves numbers alone (a negative number is data, not a formula)', () => {
    expect(field(-5)).toBe('-5');
    expect(field(Number.NaN)).toBe('');
  });

  it('writes no record for no records', () => {
    expect(csvRows([])).toBe('');
  });
});
