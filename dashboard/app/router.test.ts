import { describe, expect, it } from 'vitest';
import { pathOf, routeOf } from './router.js';

describe('dashboard routes', () => {
  it.each([
    ['/dashboard', { page: 'home' }],
    ['/dashboard/', { page: 'home' }],
    ['/dashboard/acme', { page: 'conversations', site: 'acme' }],
    [
      '/dashboard/acme/conversations/abc_1',
      { page: 'conversation', site: 'acme', sessionId: 'abc_1' },
    ],
    ['/dashboard/acme/analytics', { page: 'analytics', site: 'acme' }],
    ['/dashboard/acme/privacy', { page: 'privacy', site: 'acme' }],
    ['/dashboard/acme/conversations/..%2F', { page: 'conversations', site: 'acme' }],
    ['/dashboard/<script>', { page: 'home' }],
  ] as const)('%s', (path, route) => {
    expect(routeOf(path)).toEqual(route);
    if (route.page !== 'home' && !path.includes('%')) expect(pathOf(route)).toBe(path);
  });
});
