import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { PrivacySettings } from '../protocol/dashboard.js';
import {
  CLIENT_RETENTION_DEFAULTS,
  type ClientRetention,
  PAGE_STEP_TYPES,
  type PageStep,
  SITE_KEY_PATTERN,
} from '../protocol/index.js';
import { ConfigError } from './config-error.js';

/**
 * What one site (site key) changes from the server's defaults. Every field is optional;
 * a site key missing from the file, or a field missing from a site, keeps the default.
 */
export interface SiteSettings {
  /**
   * Browser record lifetimes (`sessionHours`, `userDays`), sent to the widget in the
   * `session_init` ack and the restore body. Unset: nothing is sent, the client keeps its own.
   */
  retention?: ClientRetention;
  /** `idleMinutes`: the idle eviction of this site's sessions. Unset: `LEFLUX_IDLE_TTL_MS`. */
  idleTtlMs?: number;
  /** `messageLog`: keep this site's messages in the log. Unset: `LEFLUX_MESSAGE_LOG`. */
  messageLog?: boolean;
  /**
   * `allowedOrigins`: the only web origins (`https://shop.example`) whose pages may start or
   * resume this site's sessions and read its HTTP API. Unset: any origin (tokens protect sessions).
   */
  allowedOrigins?: readonly string[];
  /**
   * `pageActions`: the page steps an agent's task may take on this site's pages: `false` none,
   * or a list of step types (`navigate`, `highlight`, `fill`, `click`, `scroll`). Unset: all. A
   * task with any other step is not started.
   */
  pageActions?: readonly PageStep['type'][];
  /**
   * `retentionDays`: the site's message log rows older than this are deleted, daily. Unset:
   * kept until purged.
   */
  retentionDays?: number;
  /**
   * `adminKey`: signs an operator in to this site's dashboard (besides `LEFLUX_ADMIN_KEY`,
   * which signs in to every site). At least 16 characters.
   */
  adminKey?: string;
  /**
   * `identitySecret`: the key of the HMAC-SHA256 that proves `identify({ userId, userHash })`
   * (the site's backend computes `userHash`). Never sent to browsers. At least 16 characters.
   * Unset: identities are kept as unverified claims.
   */
  identitySecret?: string;
}

/** Site key -> settings, as read from `LEFLUX_SITES`. */
export type SiteSettingsMap = ReadonlyMap<string, SiteSettings>;

/** The settings of a site key; an unknown key gets the defaults (no overrides). */
export type SiteSettingsLookup = (siteKey: string) => SiteSettings;

/** Thrown for an invalid `LEFLUX_SITES` file; the message names the file, the site and the field. */
export class SiteSettingsError extends ConfigError {
  override readonly name = 'SiteSettingsError';

  constructor(
    /** The settings file. */
    readonly file: string,
    message: string,
    /** The site key at fault, when the problem is inside one site. */
    readonly siteKey?: string,
    /** The field at fault, when the problem is one field. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super('LEFLUX_SITES', message, options);
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** setTimeout-style arithmetic stays meaningful below 2^31 ms (~24.8 days). */
const MAX_IDLE_MS = 2_147_483_647;

const FIELDS = [
  'sessionHours',
  'userDays',
  'idleMinutes',
  'messageLog',
  'allowedOrigins',
  'pageActions',
  'retentionDays',
  'adminKey',
  'identitySecret',
] as const;

const SECRET_FIELDS = new Set(['adminKey', 'identitySecret']);

const NO_OVERRIDES: SiteSettings = Object.freeze({});

/**
 * Parses the text of a site settings file: a JSON object whose keys are site keys and whose
 * values hold any of `sessionHours`, `userDays`, `idleMinutes`, `messageLog`, `allowedOrigins`,
 * `pageActions`.
 * Strict: an unknown field is refused (a typo must not silently keep a default).
 *
 * @example
 * const sites = parseSiteSettings('{"acme": {"idleMinutes": 10, "messageLog": false}}', 'sites.json');
 * sites.get('acme'); // { idleTtlMs: 600000, messageLog: false }
 * @throws {SiteSettingsError} naming the file, and the site key and field at fault.
 */
export function parseSiteSettings(text: string, file: string): Map<string, SiteSettings> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SiteSettingsError(
      file,
      `Invalid LEFLUX_SITES file ${file}: not JSON (${reason}).`,
      undefined,
      undefined,
      { cause: error },
    );
  }
  if (!isObject(json)) {
    throw new SiteSettingsError(
      file,
      `Invalid LEFLUX_SITES file ${file}: expected an object of site keys, e.g. {"acme": {"idleMinutes": 10}}.`,
    );
  }
  const sites = new Map<string, SiteSettings>();
  for (const [siteKey, raw] of Object.entries(json)) {
    const where = `Invalid LEFLUX_SITES file ${file}: site "${siteKey}"`;
    if (!SITE_KEY_PATTERN.test(siteKey)) {
      throw new SiteSettingsError(
        file,
        `${where}: a site key is a lower-case slug of at most 64 characters (a-z 0-9 _ -).`,
        siteKey,
      );
    }
    if (!isObject(raw)) {
      throw new SiteSettingsError(file, `${where}: expected an object of settings.`, siteKey);
    }
    sites.set(
      siteKey,
      parseSite(raw, (field, expected) => {
        // A secret is never echoed into an error (or a log), even a wrong one.
        const value = SECRET_FIELDS.has(field)
          ? '[redacted]'
          : (JSON.stringify(raw[field]) ?? 'undefined');
        return new SiteSettingsError(
          file,
          `${where}: invalid ${field}=${value}: expected ${expected}.`,
          siteKey,
          field,
        );
      }),
    );
  }
  return sites;
}

/**
 * Reads and parses the file named by `LEFLUX_SITES`.
 *
 * @example
 * const sites = loadSiteSettings('/etc/leflux/sites.json');
 * @throws {SiteSettingsError} when the file cannot be read or is invalid.
 */
export function loadSiteSettings(file: string): Map<string, SiteSettings> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SiteSettingsError(
      file,
      `Invalid LEFLUX_SITES: cannot read the file ${file} (${reason}).`,
      undefined,
      undefined,
      { cause: error },
    );
  }
  return parseSiteSettings(text, file);
}

/**
 * The lookup the server uses: a site key's settings, or no overrides for an unknown key.
 *
 * @example
 * const settingsOf = siteSettingsLookup(config.sites);
 * settingsOf('acme').allowedOrigins;
 */
export function siteSettingsLookup(sites: SiteSettingsMap): SiteSettingsLookup {
  return (siteKey) => sites.get(siteKey) ?? NO_OVERRIDES;
}

/**
 * Whether a browser page on `origin` may use a site's sessions: always without an
 * `allowedOrigins` list, otherwise only from a listed origin (an unknown origin never is).
 */
export function originAllowed(settings: SiteSettings, origin: string | undefined): boolean {
  const allowed = settings.allowedOrigins;
  if (allowed === undefined) return true;
  return origin !== undefined && allowed.includes(origin);
}

/**
 * The origin of the page behind a request: its `Origin` header, else the origin of its
 * `Referer` (a same-origin GET, such as socket.io's polling handshake, carries no `Origin`).
 * Undefined when neither says; `"null"` (sandboxed or file pages) is kept as sent.
 */
export function pageOrigin(headers: IncomingHttpHeaders): string | undefined {
  const origin = headers.origin;
  if (origin) return origin;
  const referer = headers.referer;
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

type Invalid = (field: string, expected: string) => SiteSettingsError;

const MINUTES = (ms: number) => ms / MINUTE;

/**
 * A site's settings with privacy settings saved from the dashboard over them: they replace the
 * file's browser session lifetime, idle eviction, message log switch and retention.
 *
 * @example applyPrivacy(fromFile, { sessionHours: 1, idleMinutes: 10, messageLog: true, retentionDays: 30 })
 */
export function applyPrivacy(base: SiteSettings, privacy: PrivacySettings): SiteSettings {
  const { retentionDays: _kept, ...rest } = base;
  const settings: SiteSettings = {
    ...rest,
    retention: {
      sessionTtlMs: Math.round(privacy.sessionHours * HOUR),
      userTtlMs: base.retention?.userTtlMs ?? CLIENT_RETENTION_DEFAULTS.userTtlMs,
    },
    idleTtlMs: Math.round(privacy.idleMinutes * MINUTE),
    messageLog: privacy.messageLog,
  };
  if (privacy.retentionDays !== null) settings.retentionDays = privacy.retentionDays;
  return Object.freeze(settings);
}

/**
 * The privacy settings in effect for a site, as the dashboard shows them: the site's own, else
 * the server's defaults (`LEFLUX_IDLE_TTL_MS`, `LEFLUX_MESSAGE_LOG`, the browser's 24 h).
 */
export function privacyOf(
  settings: SiteSettings,
  defaults: { idleTtlMs: number; messageLog: boolean },
): PrivacySettings {
  return {
    sessionHours:
      (settings.retention?.sessionTtlMs ?? CLIENT_RETENTION_DEFAULTS.sessionTtlMs) / HOUR,
    idleMinutes: MINUTES(settings.idleTtlMs ?? defaults.idleTtlMs),
    messageLog: settings.messageLog ?? defaults.messageLog,
    retentionDays: settings.retentionDays ?? null,
  };
}

/** Every site's admin key, for redaction: no log line may show one. */
export function siteAdminKeys(sites: SiteSettingsMap): string[] {
  return [...sites.values()].flatMap((site) => (site.adminKey ? [site.adminKey] : []));
}

/** Every site's identity secret, for redaction: no log line may show one. */
export function siteIdentitySecrets(sites: SiteSettingsMap): string[] {
  return [...sites.values()].flatMap((site) => (site.identitySecret ? [site.identitySecret] : []));
}

function parseSite(raw: Record<string, unknown>, invalid: Invalid): SiteSettings {
  for (const field of Object.keys(raw)) {
    if (!(FIELDS as readonly string[]).includes(field)) {
      throw invalid(field, `one of the known fields (${FIELDS.join(', ')})`);
    }
  }
  const settings: SiteSettings = {};

  // A site may shorten the browser's lifetimes, not extend them; under a minute the client refuses.
  const sessionMs = duration(
    raw,
    'sessionHours',
    HOUR,
    MINUTE,
    CLIENT_RETENTION_DEFAULTS.sessionTtlMs,
    invalid,
  );
  const userMs = duration(
    raw,
    'userDays',
    DAY,
    MINUTE,
    CLIENT_RETENTION_DEFAULTS.userTtlMs,
    invalid,
  );
  if (sessionMs !== undefined || userMs !== undefined) {
    settings.retention = {
      sessionTtlMs: sessionMs ?? CLIENT_RETENTION_DEFAULTS.sessionTtlMs,
      userTtlMs: userMs ?? CLIENT_RETENTION_DEFAULTS.userTtlMs,
    };
  }

  // Same floor as LEFLUX_IDLE_TTL_MS (1 s).
  const idleMs = duration(raw, 'idleMinutes', MINUTE, 1000, MAX_IDLE_MS, invalid);
  if (idleMs !== undefined) settings.idleTtlMs = idleMs;

  if (raw.messageLog !== undefined) {
    if (typeof raw.messageLog !== 'boolean') throw invalid('messageLog', 'true or false');
    settings.messageLog = raw.messageLog;
  }

  if (raw.allowedOrigins !== undefined) {
    const origins = raw.allowedOrigins;
    const expected =
      'a non-empty array of origins like "https://shop.example" (scheme, host, optional port; no path)';
    if (!Array.isArray(origins) || origins.length === 0 || !origins.every(isOrigin)) {
      throw invalid('allowedOrigins', expected);
    }
    settings.allowedOrigins = Object.freeze([...new Set(origins as string[])]);
  }

  if (raw.pageActions !== undefined) {
    const actions = raw.pageActions;
    const known = (type: unknown): type is PageStep['type'] =>
      (PAGE_STEP_TYPES as readonly unknown[]).includes(type);
    if (actions === false) settings.pageActions = Object.freeze([]);
    else if (Array.isArray(actions) && actions.every(known)) {
      settings.pageActions = Object.freeze([...new Set(actions)]);
    } else {
      throw invalid('pageActions', `false, or an array of ${PAGE_STEP_TYPES.join(', ')}`);
    }
  }

  const days = raw.retentionDays;
  if (days !== undefined && days !== null) {
    if (!(typeof days === 'number' && Number.isInteger(days) && days >= 1 && days <= 3650)) {
      throw invalid('retentionDays', 'a whole number of days from 1 to 3650, or null (kept)');
    }
    settings.retentionDays = days;
  }

  if (raw.adminKey !== undefined) {
    if (typeof raw.adminKey !== 'string' || raw.adminKey.trim().length < 16) {
      throw invalid('adminKey', 'a string of at least 16 characters');
    }
    settings.adminKey = raw.adminKey.trim();
  }

  if (raw.identitySecret !== undefined) {
    // Used as given (not trimmed): the site's backend keys its HMAC with the same bytes.
    const secret = raw.identitySecret;
    if (typeof secret !== 'string' || secret.trim().length < 16) {
      throw invalid('identitySecret', 'a string of at least 16 characters');
    }
    settings.identitySecret = secret;
  }
  return Object.freeze(settings);
}

/** A positive number of `unit`s as whole ms within [minMs, maxMs]; undefined when unset. */
function duration(
  raw: Record<string, unknown>,
  field: string,
  unit: number,
  minMs: number,
  maxMs: number,
  invalid: Invalid,
): number | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  const ms =
    typeof value === 'number' && Number.isFinite(value) ? Math.round(value * unit) : Number.NaN;
  if (!(ms >= minMs && ms <= maxMs)) {
    throw invalid(field, `a number from ${round(minMs / unit)} to ${round(maxMs / unit)}`);
  }
  return ms;
}

const round = (n: number) => Number(n.toPrecision(4));

/** `https://shop.example` or `http://127.0.0.1:8080`: what a browser sends as `Origin`. */
function isOrigin(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
