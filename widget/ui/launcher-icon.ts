const SVG = 'http://www.w3.org/2000/svg';

/**
 * The launcher's icon, built with DOM calls for the plain-DOM launcher the embed shows before
 * Preact loads (no markup strings: a page that enforces Trusted Types refuses `innerHTML`).
 */
export function chatIcon(): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '26');
  svg.setAttribute('height', '26');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute(
    'd',
    'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
  );
  svg.append(path);
  return svg;
}
