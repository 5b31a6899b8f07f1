/**
 * Who the site says the visitor is (`identify({ userId, userHash })`, Intercom's and Chatwoot's
 * model): `userHash` is the hex HMAC-SHA256 of `userId` keyed by the site's identity secret,
 * computed by the site's backend. Without it (or on a site without a secret) the claim is kept
 * as unverified.
 */
export interface IdentityClaim {
  userId: string;
  userHash?: string;
}

/** The identity a session holds, as the agent and the dashboard see it. */
export interface SessionIdentity {
  userId: string;
  /** True only when the site has an identity secret and `userHash` matched it. */
  verified: boolean;
}

/** Longest `userId`: a database id, a UUID or an e-mail address fit many times. */
export const MAX_USER_ID_LENGTH = 256;
const USER_HASH = /^[0-9a-f]{64}$/i;

/** What `identify()` expects of an identity, as every refusal of one says. */
export const IDENTITY_HINT = `userId: 1-${MAX_USER_ID_LENGTH} characters; userHash: none or 64 hex digits`;

/**
 * Checks an identity claim's shape (not its hash: only the server knows the secret). Both fields
 * are kept exactly as given: the hash covers the user id byte for byte. One message for both
 * fields keeps the browser's copy of this check small.
 *
 * @example validateIdentityClaim({ userId: '42', userHash: 'ab…' }) // { ok: true, value: { userId: '42', userHash: 'ab…' } }
 */
export function validateIdentityClaim(
  input: unknown,
): { ok: true; value: IdentityClaim } | { ok: false; message: string } {
  // Any value destructures (a primitive gives undefined fields) but null and undefined.
  const { userId, userHash } = (input ?? {}) as Record<string, unknown>;
  return typeof userId === 'string' &&
    userId.length > 0 &&
    userId.length <= MAX_USER_ID_LENGTH &&
    (userHash === undefined || (typeof userHash === 'string' && USER_HASH.test(userHash)))
    ? { ok: true, value: userHash === undefined ? { userId } : { userId, userHash } }
    : { ok: false, message: IDENTITY_HINT };
}
