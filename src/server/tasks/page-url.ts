/** Base for resolving URLs when the page's own URL is unknown or relative. */
const NOWHERE = 'http://site.invalid/';

/** `url` resolved against `base` (the page the visitor is on); undefined when unparseable. */
export function resolveUrl(url: string, base: string | undefined): URL | undefined {
  try {
    return new URL(url, new URL(base ?? NOWHERE, NOWHERE));
  } catch {
    return undefined;
  }
}

/** `/x/`, `/x` and `/x/index.html` name the same page. */
const samePath = (path: string) => path.replace(/\/index\.html?$/i, '/').replace(/(.)\/+$/, '$1');

/**
 * Whether the visitor at `actual` is where a task expects them (`expected`, absolute or a
 * path on the visitor's site). Origin and path must match (a trailing slash and
 * `index.html` aside); the query and the hash count only when `expected` has them (each
 * expected query parameter must be present with that value).
 *
 * @example
 * urlMatches('/pricing.html', 'https://acme.test/pricing.html?utm=x#plans') // true
 * urlMatches('/pricing.html', 'https://acme.test/contact.html') // false
 */
export function urlMatches(expected: string, actual: string): boolean {
  const got = resolveUrl(actual, undefined);
  const want = got && resolveUrl(expected, got.href);
  if (!got || !want) return false;
  if (want.origin !== got.origin || samePath(want.pathname) !== samePath(got.pathname)) {
    return false;
  }
  for (const [key, value] of want.searchParams) {
    if (!got.searchParams.getAll(key).includes(value)) return false;
  }
  return want.hash === '' || want.hash === got.hash;
}
