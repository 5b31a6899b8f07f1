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

/**
 * Checks an identity claim's shape (not its hash: only the server knows the secret). The user id
 * is kept exactly as given, since the hash covers it byte for byte; the hash is lower-cased.
 *
 * @example validateIdentityClaim({ userId: '42', userHash: 'AB…' }) // { ok: true, value: { userId: '42', userHash: 'ab…' } }
 */
export function validateIdentityClaim(
  input: unknown,
): { ok: true; value: IdentityClaim } | { ok: false; message: string } {
  // Any value destructures (a primitive gives undefined fields) but null and undefined.
  const { userId, userHash } = (input ?? {}) as Record<string, unknown>;
  if (typeof userId !== 'string' || userId.length < 1 || userId.length > MAX_USER_ID_LENGTH)
    return {
      ok: false,
      message: `userId must be a string of 1 to ${MAX_USER_ID_LENGTH} characters`,
    };
  if (userHash === undefined) return { ok: true, value: { userId } };
  if (typeof userHash !== 'string' || !USER_HASH.test(userHash))
    return { ok: false, message: 'userHash must be 64 hex characters (HMAC-SHA256 of userId)' };
  return { ok: true, value: { userId, userHash: userHash.toLowerCase() } };
}
