import type { IncomingMessage } from 'node:http';
import { secretsEqual } from '../secret.js';

/** The first value of a request header. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The credential of `Authorization: Bearer <credential>`, if the request carries one. */
export function bearer(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '')?.[1];
}

/**
 * Whether `presented` is the configured `key`, compared in constant time. A key that is not
 * configured matches nothing: every request is refused while it is unset.
 */
export function keyMatches(key: string | undefined, presented: string | undefined): boolean {
  return key !== undefined && presented !== undefined && secretsEqual(key, presented);
}
