import { useEffect, useState } from 'preact/hooks';

/** The dashboard's pages, by path under `/dashboard/`. */
export type Route =
  | { page: 'home' }
  | { page: 'conversations'; site: string }
  | { page: 'conversation'; site: string; sessionId: string }
  | { page: 'analytics'; site: string }
  | { page: 'privacy'; site: string };

const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/** The route of a path; an unknown path is `home`. Four pages do not need a routing library. */
export function routeOf(pathname: string): Route {
  const parts = pathname
    .replace(/^\/dashboard\/?/, '')
    .split('/')
    .filter(Boolean);
  const [site, section, id] = parts;
  if (site === undefined || !SEGMENT.test(site)) return { page: 'home' };
  if (section === undefined) return { page: 'conversations', site };
  if (section === 'conversations' && id !== undefined && SEGMENT.test(id)) {
    return { page: 'conversation', site, sessionId: id };
  }
  if (section === 'analytics') return { page: 'analytics', site };
  if (section === 'privacy') return { page: 'privacy', site };
  return { page: 'conversations', site };
}

/** The path of a route. */
export function pathOf(route: Route): string {
  switch (route.page) {
    case 'home':
      return '/dashboard/';
    case 'conversations':
      return `/dashboard/${route.site}`;
    case 'conversation':
      return `/dashboard/${route.site}/conversations/${route.sessionId}`;
    case 'analytics':
      return `/dashboard/${route.site}/analytics`;
    case 'privacy':
      return `/dashboard/${route.site}/privacy`;
  }
}

const listeners = new Set<() => void>();

/** Goes to `route` (a history entry), or replaces the current one. */
export function navigate(route: Route, { replace = false } = {}): void {
  const path = pathOf(route);
  if (path === location.pathname) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

/** The current route; re-renders on navigation and on Back / Forward. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.pathname));
  useEffect(() => {
    const update = () => setRoute(routeOf(location.pathname));
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

/** A link that navigates in the page (a plain link when opened in a new tab). */
export function linkProps(route: Route) {
  return {
    href: pathOf(route),
    onClick(event: MouseEvent) {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      navigate(route);
    },
  };
}
