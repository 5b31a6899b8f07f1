import { createHmac, hkdfSync } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { OperatorSession } from '../../protocol/dashboard.js';
import { loadOptional } from '../optional-dependency.js';
import { secretsEqual } from '../secret.js';
import type { SiteSettingsMap } from '../site-settings.js';
import { RateLimitedError, SessionError } from './session-error.js';

/** The cookie that carries a dashboard sign-in. */
export const OPERATOR_COOKIE = 'leflux_dashboard';

/** What a signed-in operator may see: every site (`LEFLUX_ADMIN_KEY`) or some. */
export interface OperatorGrant {
  scope: 'all' | 'sites';
  /** With scope `sites`: the site keys whose `adminKey` was given. */
  sites: readonly string[];
  expiresAt: number;
  /** The value the cookie holds (signed, opaque to the browser). */
  token: string;
  /** What state-changing requests must send as `X-LeFlux-CSRF`. */
  csrf: string;
}

export interface OperatorAuthOptions {
  /** `LEFLUX_ADMIN_KEY`: signs in to every site. */
  adminKey?: string;
  /** `LEFLUX_SITES`, whose `adminKey`s sign in to their own site. */
  sites: SiteSettingsMap;
  now: () => number;
  /** How long a sign-in lasts. Default 12 h. */
  sessionTtlMs?: number;
  /** Wrong keys one IP may try per `signInWindowMs` before it must wait. Default 10. */
  signInAttempts?: number;
  /** Default 15 min. */
  signInWindowMs?: number;
  /**
   * Where wrong keys are counted when several nodes serve the dashboard (LEFLUX_STORE=redis):
   * in Redis, under `keyPrefix`, so an IP gets its attempts once, not once per node. Default: in
   * this process.
   */
  shared?: {
    /**
     * The ioredis client. Typed loosely so that this module's public types need no `ioredis`
     * (an optional dependency): rate-limiter-flexible takes any client it knows.
     */
    redis: object;
    keyPrefix: string;
  };
}

export interface OperatorAuth {
  /** False when no admin key is configured at all: nobody can sign in. */
  readonly enabled: boolean;
  /**
   * Checks an admin key from `ip`. Throws `SessionError('unauthorized')` for a wrong key, and
   * `RateLimitedError` once the IP has tried too many wrong ones (even with the right key then).
   */
  signIn(key: unknown, ip: string): Promise<OperatorGrant>;
  /** The grant a cookie value holds, if it is genuine, unexpired and its key still configured. */
  verify(token: string | undefined): OperatorGrant | undefined;
  /** The session as the dashboard sees it (`/me`, the sign-in answer). */
  describe(grant: OperatorGrant, knownSites: readonly string[]): OperatorSession;
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

/** A key for signing, derived from an admin key: the key itself never signs anything. */
const signingKey = (adminKey: string) =>
  Buffer.from(hkdfSync('sha256', adminKey, 'leflux', 'dashboard session v1', 32));

/**
 * Dashboard sign-in with an admin key, and the signed cookie value that proves it. The value is
 * `v1.<scope>.<expiresAt>.<mac>` (scope `*` or site keys joined by commas), signed with a key
 * derived from the admin key that signed in: any node with the same configuration verifies it
 * with no shared state, and changing the key ends every sign-in made with it. There is no
 * server-side sign-out: signing out clears the cookie, and a copied value stays valid until it
 * expires (`sessionTtlMs`).
 *
 * @example
 * const auth = createOperatorAuth({ adminKey: config.adminKey, sites: config.sites, now: Date.now });
 * const grant = await auth.signIn(body.key, req.socket.remoteAddress ?? '');
 */
export function createOperatorAuth(options: OperatorAuthOptions): OperatorAuth {
  const {
    adminKey,
    sites,
    now,
    sessionTtlMs = 12 * 3_600_000,
    signInAttempts = 10,
    signInWindowMs = 15 * 60_000,
  } = options;
  const siteKeys = [...sites].flatMap(([site, { adminKey: key }]) =>
    key ? [[site, key]] : [],
  ) as [string, string][];
  const enabled = adminKey !== undefined || siteKeys.length > 0;
  // Loaded only when someone can sign in: an optional dependency of the package.
  const limiter = enabled
    ? loadOptional<typeof import('rate-limiter-flexible')>({
        name: 'rate-limiter-flexible',
        feature: "the dashboard's sign-in (LEFLUX_ADMIN_KEY, or a site's adminKey)",
        otherwise: 'or configure no admin key',
      })
    : undefined;
  // Wrong keys per IP: in this process, or in Redis for every node (counted here meanwhile when
  // Redis does not answer, rather than refusing every sign-in).
  const limits = { points: signInAttempts, duration: Math.ceil(signInWindowMs / 1000) };
  const inProcess =
    limiter && new limiter.RateLimiterMemory({ keyPrefix: 'leflux-sign-in', ...limits });
  const { shared } = options;
  const wrongKeys: RateLimiterAbstract | undefined =
    limiter && inProcess && shared
      ? new limiter.RateLimiterRedis({
          storeClient: shared.redis,
          keyPrefix: `${shared.keyPrefix}sign-in`,
          insuranceLimiter: inProcess,
          ...limits,
        })
      : inProcess;

  const mac = (key: Buffer, text: string) => b64(createHmac('sha256', key).update(text).digest());

  /** The admin key a scope is signed with; undefined when the sites no longer share one. */
  function keyOf(scope: string): string | undefined {
    if (scope === '*') return adminKey;
    const keys = scope.split(',').map((site) => sites.get(site)?.adminKey);
    const [first] = keys;
    if (first === undefined || keys.some((k) => k === undefined || !secretsEqual(first, k))) {
      return undefined;
    }
    return first;
  }

  function grantOf(scope: string, expiresAt: number, key: Buffer): OperatorGrant {
    const payload = `v1.${scope}.${expiresAt}`;
    const token = `${payload}.${mac(key, payload)}`;
    return {
      scope: scope === '*' ? 'all' : 'sites',
      sites: scope === '*' ? [] : scope.split(','),
      expiresAt,
      token,
      csrf: mac(key, `csrf.${token}`),
    };
  }

  const limited = (res: { msBeforeNext: number }) =>
    new RateLimitedError(
      'too many wrong admin keys from this address; try again later',
      res.msBeforeNext,
    );

  return {
    enabled,

    async signIn(key, ip) {
      if (!limiter || !wrongKeys) {
        throw new SessionError('unauthorized', 'no admin key is configured: nobody can sign in');
      }
      const tried = await wrongKeys.get(ip);
      if (tried && tried.consumedPoints >= signInAttempts) throw limited(tried);
      const given = typeof key === 'string' ? key : '';
      // Every configured key is compared (in constant time), whichever matches.
      const all = adminKey !== undefined && secretsEqual(adminKey, given);
      const mine = siteKeys.filter(([, siteKey]) => secretsEqual(siteKey, given));
      if (!all && mine.length === 0) {
        // Counted; the attempt after the last allowed one is refused by the check above.
        await wrongKeys.consume(ip).catch((refused: unknown) => {
          if (!(refused instanceof limiter.RateLimiterRes)) throw refused;
        });
        throw new SessionError('unauthorized', 'this admin key opens no dashboard');
      }
      await wrongKeys.delete(ip);
      const scope = all ? '*' : mine.map(([site]) => site).join(',');
      return grantOf(scope, now() + sessionTtlMs, signingKey(given));
    },

    verify(token) {
      if (token === undefined) return undefined;
      const match = /^v1\.(\*|[a-z0-9_,-]{1,4096})\.(\d{1,16})\.[A-Za-z0-9_-]{43}$/.exec(token);
      if (!match) return undefined;
      const [, scope = '', expires = ''] = match;
      const expiresAt = Number(expires);
      if (!(expiresAt > now())) return undefined;
      const key = keyOf(scope);
      if (key === undefined) return undefined;
      const grant = grantOf(scope, expiresAt, signingKey(key));
      return secretsEqual(grant.token, token) ? grant : undefined;
    },

    describe(grant, knownSites) {
      return {
        scope: grant.scope,
        sites: grant.scope === 'all' ? [...knownSites] : [...grant.sites],
        csrf: grant.csrf,
        expiresAt: grant.expiresAt,
      };
    },
  };
}

/** A cookie's value in a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Whether a browser request comes from a page of this very origin: its `Origin`'s host is the
 * `Host` it was sent to (or `X-Forwarded-Host`, set by a proxy: a cross-site page cannot send that
 * header without a CORS preflight, which the dashboard never grants), and `Sec-Fetch-Site`, where
 * the browser sends it, says `same-origin`. A request with neither header (not from a browser
 * page) passes: CSRF needs a victim's browser.
 */
export function sameOrigin(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const forwarded = headers['x-forwarded-host'];
  const forwardedHost = Array.isArray(forwarded) ? forwarded[0] : forwarded?.split(',')[0]?.trim();
  return host === headers.host || (forwardedHost !== undefined && host === forwardedHost);
}
