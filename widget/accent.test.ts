import { describe, expect, it } from 'vitest';
import { luminance, textOn } from './accent.js';

describe('accent text colour', () => {
  it('measures the luminance of the rgb() a computed style gives', () => {
    expect(luminance('rgb(0, 0, 0)')).toBe(0);
    expect(luminance('rgb(255, 255, 255)')).toBeCloseTo(1);
    expect(luminance('rgba(79, 70, 229, 0.5)')).toBeCloseTo(0.117, 3);
    expect(luminance('oklch(0.7 0.1 200)')).toBeUndefined();
  });

  it('puts white text on a dark accent and near-black on a pale one', () => {
    expect(textOn(luminance('rgb(79, 70, 229)') as number)).toBe('#fff');
    expect(textOn(luminance('rgb(255, 235, 59)') as number)).toBe('#111');
    expect(textOn(luminance('rgb(10, 125, 79)') as number)).toBe('#fff');
  });
});
