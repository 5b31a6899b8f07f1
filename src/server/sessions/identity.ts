import { createHmac } from 'node:crypto';
import type { IdentityClaim, SessionIdentity } from '../../protocol/index.js';
import { secretsEqual } from '../secret.js';

/**
 * The `userHash` a site's backend sends with `identify({ userId, userHash })`: the hex
 * HMAC-SHA256 of `userId` keyed by the site's `identitySecret`.
 *
 * @example userHash('42', process.env.LEFLUX_IDENTITY_SECRET) // '5f0c…' (64 hex characters)
 */
export function userHash(userId: string, secret: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

/**
 * What a claim proves on a site: the identity to keep (verified when the site has a secret and
 * the hash matches it; unverified when either is missing), or `invalid` for a wrong hash. The
 * hash is compared in constant time (`crypto.timingSafeEqual`); a hash of another length is
 * simply wrong.
 *
 * @example checkIdentity({ userId: '42', userHash: hash }, site.identitySecret) // { userId: '42', verified: true }
 */
export function checkIdentity(
  claim: IdentityClaim,
  secret: string | undefined,
): SessionIdentity | 'invalid' {
  const { userId } = claim;
  if (secret === undefined || claim.userHash === undefined) return { userId, verified: false };
  return secretsEqual(userHash(userId, secret), claim.userHash.toLowerCase())
    ? { userId, verified: true }
    : 'invalid';
}
