/**
 * Gives the shadow root a stylesheet (our CSS files, imported `?inline` so the build minifies
 * them). A constructed stylesheet where the browser has them (Chrome 73, Firefox 101, Safari
 * 16.4): a strict Content-Security-Policy without 'unsafe-inline' allows it, no request is made,
 * and it applies before the first paint. Older browsers get a `<style>` element, which such a
 * policy would block (their only cost: that policy's violation report).
 */
export function adoptStyles(root: ShadowRoot, css: string): void {
  if ('adoptedStyleSheets' in root && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } else {
    const style = document.createElement('style');
    style.textContent = css;
    root.prepend(style);
  }
}
