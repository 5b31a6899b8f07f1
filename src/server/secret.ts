import { timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret (session token, admin key) with the expected one in time
 * independent of where they differ, so tokens cannot be guessed byte by byte.
 */
export function secretsEqual(expected: string, presented: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  // timingSafeEqual needs equal lengths; the length itself is not secret (tokens are fixed-size).
  return a.length === b.length && timingSafeEqual(a, b);
}
