import { loadOptional, PINO } from './optional-dependency.js';

/** What a redacted value is written as. */
export const REDACTED = '[redacted]';

/**
 * Keys whose values never reach a log line, compared without case, `-` or `_`: the session
 * token, the admin and API keys and other secrets (a site's identity secret, and `userHash`, which
 * proves an identity to whoever holds it), credentials in headers, and the visitor's contact
 * details. `name` is among them except on an error, where it is the error's kind.
 */
const SECRET_KEYS = new Set([
  'token',
  'sessiontoken',
  'adminkey',
  'apikey',
  'lefluxadminkey',
  'lefluxapikey',
  'xlefluxadminkey',
  'secret',
  'agentsecret',
  'lefluxagentsecret',
  'identitysecret',
  'userhash',
  'password',
  'authorization',
  'cookie',
  'setcookie',
  'databaseurl',
  'email',
  'phone',
  'name',
]);
const isSecretKey = (key: string) => SECRET_KEYS.has(key.replace(/[-_]/g, '').toLowerCase());

/** Secrets and contact details inside free text (messages, stacks, URLs, quoted JSON). */
const TEXT_PATTERNS: readonly [RegExp, string][] = [
  // `?token=...`, `adminKey=...`, `email=...` in URLs and form bodies.
  [
    /\b(token|session_?token|admin_?key|api_?key|secret|identity_?secret|user_?hash|password|name|email|phone)=([^&\s"'#]+)/gi,
    `$1=${REDACTED}`,
  ],
  // Quoted JSON (a request body in an error message).
  [
    /"(token|sessionToken|adminKey|apiKey|secret|identitySecret|userHash|password|email|phone|name)"(\s*:\s*)"(?:[^"\\]|\\.)*"/g,
    `"$1"$2"${REDACTED}"`,
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  // The password of a URL with credentials (postgres://user:password@host).
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, `$1${REDACTED}@`],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, REDACTED],
];

const MAX_DEPTH = 8;
const MAX_ITEMS = 100;

/**
 * Removes secrets and contact details from what is about to be logged: values under the keys
 * above (at any depth, in errors, their own fields and nested objects), every occurrence of
 * the `secrets` given (the admin key, the API key... known at start), and tokens, credentials
 * and email addresses inside strings. Errors become pino's plain error objects (`type`,
 * `message`, `stack`, own fields, and `cause` as another such object). Phone numbers are only found under a
 * key: in free text they cannot be told from other numbers.
 *
 * @example
 * const redact = createRedaction(['an-admin-key-of-32-characters....']);
 * redact({ token: 't', email: 'a@b.c', n: 1 }); // { token: '[redacted]', email: '[redacted]', n: 1 }
 */
export function createRedaction(secrets: readonly (string | undefined)[] = []) {
  const { stdSerializers } = loadOptional<typeof import('pino')>(PINO);
  // Short strings could match ordinary text; config refuses keys that short anyway.
  const known = [...new Set(secrets.filter((s): s is string => s !== undefined && s.length >= 8))]
    // The longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);

  const text = (value: string): string => {
    let out = value;
    for (const secret of known) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    for (const [pattern, replacement] of TEXT_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };

  const walk = (value: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof value === 'string') return text(value);
    if (typeof value === 'bigint') return value.toString();
    if (value === null || typeof value !== 'object') {
      return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
    }
    if (seen.has(value)) return '[circular]';
    if (depth >= MAX_DEPTH) return '[too deep]';
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        const items = value.slice(0, MAX_ITEMS).map((item) => walk(item, depth + 1, seen));
        if (value.length > MAX_ITEMS) items.push(`[${value.length - MAX_ITEMS} more]`);
        return items;
      }
      if (value instanceof Date) return value.toISOString();
      if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
      // pino's serializer keeps the cause (and errors among the fields) as nested error objects:
      // `err.message` often already quotes its cause, which pino's default one would append again.
      const source = (
        value instanceof Error ? stdSerializers.errWithCause(value) : value
      ) as Record<string, unknown>;
      // An error, or one pino's serializer made (they keep the original as a hidden `raw`).
      const isError =
        value instanceof Error || (typeof source.stack === 'string' && 'raw' in source);
      const out: Record<string, unknown> = {};
      let count = 0;
      for (const key of Object.keys(source)) {
        if (++count > MAX_ITEMS) break;
        // On an error, `name` is its kind (ConfigError), not a person's.
        if (isSecretKey(key) && !(isError && key === 'name')) {
          out[key] = REDACTED;
        } else {
          out[key] = walk(source[key], depth + 1, seen);
        }
      }
      return out;
    } finally {
      seen.delete(value);
    }
  };

  return {
    /** A redacted copy of `value` (objects and errors become plain objects). */
    value: (value: unknown): unknown => walk(value, 0, new WeakSet()),
    /** `value` with secrets, tokens and email addresses replaced. */
    text,
  };
}
