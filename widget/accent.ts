/**
 * The site's accent colour (`data-accent`): any CSS colour the browser knows. It becomes
 * `--lf-accent` on the host element, and the text drawn on it (`--lf-accent-text`) is white or
 * near-black, whichever contrasts more, so a pale accent keeps its labels readable.
 */
export const isColor = (value: string): boolean =>
  value.trim() !== '' && typeof CSS !== 'undefined' && CSS.supports('color', value);

/** Relative luminance (WCAG 2) of an `rgb(r, g, b)` string, or undefined for another form. */
export function luminance(rgb: string): number | undefined {
  const match = /^rgba?\((\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)/.exec(rgb);
  if (!match) return undefined;
  const [r, g, b] = match.slice(1).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Which text colour reads best on a background of luminance `l`: white unless near-black gives
 * a higher contrast ratio.
 */
export const textOn = (l: number): string =>
  (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? '#111' : '#fff';

/** Sets the accent on the host; `probe` is an element painted with it, to read it back as rgb. */
export function applyAccent(host: HTMLElement, probe: Element, accent: string): void {
  host.style.setProperty('--lf-accent', accent);
  const l = luminance(getComputedStyle(probe).backgroundColor);
  if (l !== undefined) host.style.setProperty('--lf-accent-text', textOn(l));
}
