// @vitest-environment node
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, configSecrets, loadConfig } from './config.js';
import {
  applyPrivacy,
  loadSiteSettings,
  originAllowed,
  pageOrigin,
  parseSiteSettings,
  privacyOf,
  SiteSettingsError,
  siteAdminKeys,
  siteIdentitySecrets,
  siteSettingsLookup,
} from './site-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'leflux-sites-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILE = 'sites.json';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function fileWith(content: unknown, name = 'sites.json'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function parseError(content: unknown): SiteSettingsError {
  try {
    parseSiteSettings(JSON.stringify(content), FILE);
  } catch (error) {
    if (error instanceof SiteSettingsError) return error;
    throw error;
  }
  throw new Error(`parseSiteSettings(${JSON.stringify(content)}) did not throw`);
}

describe('parseSiteSettings', () => {
  it('reads every field of a good file', () => {
    const sites = parseSiteSettings(
      JSON.stringify({
        acme: {
          sessionHours: 12,
          userDays: 7,
          idleMinutes: 10,
          messageLog: false,
          allowedOrigins: ['https://acme.example', 'http://localhost:3000'],
          pageActions: ['navigate', 'highlight', 'highlight'],
        },
        'beta-shop': { idleMinutes: 0.5, pageActions: false },
        quiet: {},
      }),
      FILE,
    );
    expect(sites.get('acme')).toEqual({
      retention: { sessionTtlMs: 12 * HOUR, userTtlMs: 7 * DAY },
      idleTtlMs: 600_000,
      messageLog: false,
      allowedOrigins: ['https://acme.example', 'http://localhost:3000'],
      pageActions: ['navigate', 'highlight'],
    });
    expect(sites.get('beta-shop')).toEqual({ idleTtlMs: 30_000, pageActions: [] });
    expect(sites.get('quiet')).toEqual({});
  });

  it('fills the other retention with the client default when a site sets one', () => {
    const sites = parseSiteSettings('{"a": {"sessionHours": 1}, "b": {"userDays": 2}}', FILE);
    expect(sites.get('a')?.retention).toEqual({ sessionTtlMs: HOUR, userTtlMs: 30 * DAY });
    expect(sites.get('b')?.retention).toEqual({ sessionTtlMs: 24 * HOUR, userTtlMs: 2 * DAY });
  });

  it.each([
    ['sessionHours', 0],
    ['sessionHours', 25],
    ['sessionHours', '12'],
    ['userDays', 31],
    ['userDays', -1],
    ['idleMinutes', 0],
    ['idleMinutes', 1e9],
    ['idleMinutes', null],
    ['messageLog', 'off'],
    ['allowedOrigins', []],
    ['allowedOrigins', 'https://acme.example'],
    ['allowedOrigins', ['https://acme.example/']],
    ['allowedOrigins', ['https://acme.example/shop']],
    ['allowedOrigins', ['acme.example']],
    ['allowedOrigins', ['ftp://acme.example']],
    ['pageActions', true],
    ['pageActions', ['say']],
    ['pageActions', ['click', 'submit']],
    ['pageActions', 'click'],
    ['idleMinutez', 10],
  ])('refuses %s=%j naming the file, the site and the field', (field, value) => {
    const error = parseError({ fine: { idleMinutes: 5 }, acme: { [field]: value } });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('invalid_config');
    expect(error.variable).toBe('LEFLUX_SITES');
    expect(error.file).toBe(FILE);
    expect(error.siteKey).toBe('acme');
    expect(error.field).toBe(field);
    expect(error.message).toContain(FILE);
    expect(error.message).toContain('"acme"');
    expect(error.message).toContain(field);
  });

  it('refuses a bad site key or a site that is not an object, naming it', () => {
    const key = parseError({ 'Not A Slug': {} });
    expect(key.siteKey).toBe('Not A Slug');
    expect(key.message).toMatch(/sites\.json: site "Not A Slug": a site key is a lower-case slug/);
    const notObject = parseError({ acme: [] });
    expect(notObject.siteKey).toBe('acme');
    expect(notObject.message).toContain('expected an object of settings');
  });

  it('refuses a file that is not JSON or not an object, naming the file', () => {
    expect(() => parseSiteSettings('{"acme": ', FILE)).toThrow(
      /LEFLUX_SITES file sites\.json: not JSON/,
    );
    expect(() => parseSiteSettings('[]', FILE)).toThrow(
      /LEFLUX_SITES file sites\.json: expected an object of site keys/,
    );
  });
});

describe('loadSiteSettings and LEFLUX_SITES', () => {
  it('loadConfig reads the file named by LEFLUX_SITES; the sweep follows the shortest idle TTL', () => {
    const path = fileWith({ acme: { idleMinutes: 1, messageLog: false } });
    const config = loadConfig({ LEFLUX_SITES: path });
    expect(config.sitesFile).toBe(path);
    expect(config.sites.get('acme')).toEqual({ idleTtlMs: 60_000, messageLog: false });
    expect(config.sweepIntervalMs).toBe(30_000);
    expect(loadConfig({}).sites.size).toBe(0);
  });

  it('stops the server on a missing file or an invalid one, naming the file', () => {
    const missing = join(dir, 'nope.json');
    expect(() => loadSiteSettings(missing)).toThrow(SiteSettingsError);
    expect(() => loadConfig({ LEFLUX_SITES: missing })).toThrow(
      `Invalid LEFLUX_SITES: cannot read the file ${missing} (ENOENT).`,
    );
    const bad = fileWith({ acme: { idleMinutes: 'ten' } }, 'bad.json');
    expect(() => loadConfig({ LEFLUX_SITES: bad })).toThrow(
      `Invalid LEFLUX_SITES file ${bad}: site "acme": invalid idleMinutes="ten": expected a number from 0.01667 to 35790.`,
    );
  });
});

describe('site lookup and origins', () => {
  it('gives an unknown site key no overrides', () => {
    const settingsOf = siteSettingsLookup(
      parseSiteSettings('{"acme": {"messageLog": false}}', FILE),
    );
    expect(settingsOf('acme').messageLog).toBe(false);
    expect(settingsOf('other')).toEqual({});
  });

  it('allows any origin without a list, only listed ones with it', () => {
    expect(originAllowed({}, undefined)).toBe(true);
    expect(originAllowed({}, 'https://evil.example')).toBe(true);
    const listed = { allowedOrigins: ['https://acme.example'] };
    expect(originAllowed(listed, 'https://acme.example')).toBe(true);
    expect(originAllowed(listed, 'https://evil.example')).toBe(false);
    expect(originAllowed(listed, 'null')).toBe(false);
    expect(originAllowed(listed, undefined)).toBe(false);
  });

  it('takes the page origin from Origin, else from Referer', () => {
    expect(pageOrigin({ origin: 'https://a.example', referer: 'https://b.example/x' })).toBe(
      'https://a.example',
    );
    expect(pageOrigin({ referer: 'https://b.example:8443/shop?q=1' })).toBe(
      'https://b.example:8443',
    );
    expect(pageOrigin({ referer: 'not a url' })).toBeUndefined();
    expect(pageOrigin({})).toBeUndefined();
  });
});

describe('dashboard fields: retentionDays and adminKey', () => {
  it('reads them; null retention means kept', () => {
    const sites = parseSiteSettings(
      JSON.stringify({
        acme: { retentionDays: 30, adminKey: '  acme-admin-key-0123  ' },
        kept: { retentionDays: null },
      }),
      FILE,
    );
    expect(sites.get('acme')).toEqual({ retentionDays: 30, adminKey: 'acme-admin-key-0123' });
    expect(sites.get('kept')).toEqual({});
    expect(siteAdminKeys(sites)).toEqual(['acme-admin-key-0123']);
  });

  it.each([0, 3651, 1.5, '30'])('refuses retentionDays=%j', (retentionDays) => {
    const error = parseError({ acme: { retentionDays } });
    expect(error.field).toBe('retentionDays');
    expect(error.message).toMatch(/whole number of days from 1 to 3650/);
  });

  it('counts the sites’ admin keys among the secrets no log line shows', () => {
    const file = fileWith({ acme: { adminKey: 'acme-admin-key-0123' } }, 'keys.json');
    expect(configSecrets(loadConfig({ LEFLUX_SITES: file }))).toContain('acme-admin-key-0123');
  });

  it('refuses a short admin key without ever quoting it', () => {
    const error = parseError({ acme: { adminKey: 'short-secret' } });
    expect(error).toMatchObject({ siteKey: 'acme', field: 'adminKey' });
    expect(error.message).toMatch(/at least 16 characters/);
    expect(error.message).not.toContain('short-secret');
  });
});

describe('privacy settings from the dashboard', () => {
  const defaults = { idleTtlMs: 30 * 60_000, messageLog: true };

  it('shows the defaults for a site without settings, and the file’s for one with', () => {
    expect(privacyOf({}, defaults)).toEqual({
      sessionHours: 24,
      idleMinutes: 30,
      messageLog: true,
      retentionDays: null,
    });
    const [site] = parseSiteSettings(
      '{"acme": {"sessionHours": 2, "idleMinutes": 5, "messageLog": false, "retentionDays": 7}}',
      FILE,
    ).values();
    expect(privacyOf(site!, defaults)).toEqual({
      sessionHours: 2,
      idleMinutes: 5,
      messageLog: false,
      retentionDays: 7,
    });
  });

  it('replaces the privacy fields only, keeping the contact lifetime, origins and key', () => {
    const [site] = parseSiteSettings(
      JSON.stringify({
        acme: {
          userDays: 3,
          retentionDays: 7,
          allowedOrigins: ['https://acme.example'],
          adminKey: 'acme-admin-key-0123',
        },
      }),
      FILE,
    ).values();
    const applied = applyPrivacy(site!, {
      sessionHours: 0.5,
      idleMinutes: 2,
      messageLog: false,
      retentionDays: null,
    });
    expect(applied).toEqual({
      retention: { sessionTtlMs: HOUR / 2, userTtlMs: 3 * DAY },
      idleTtlMs: 120_000,
      messageLog: false,
      allowedOrigins: ['https://acme.example'],
      adminKey: 'acme-admin-key-0123',
    });
    expect(privacyOf(applied, defaults)).toEqual({
      sessionHours: 0.5,
      idleMinutes: 2,
      messageLog: false,
      retentionDays: null,
    });
  });
});

describe('identitySecret', () => {
  it('reads it as given, and counts it among the secrets no log line shows', () => {
    const secret = ' acme-identity-secret-0123';
    const file = fileWith({ acme: { identitySecret: secret } }, 'identity.json');
    const config = loadConfig({ LEFLUX_SITES: file });
    expect(config.sites.get('acme')).toEqual({ identitySecret: secret });
    expect(siteIdentitySecrets(config.sites)).toEqual([secret]);
    expect(configSecrets(config)).toContain(secret);
  });

  it.each([
    ['short', 'short-secret'],
    ['blank', ' '.repeat(20)],
    ['not a string', 1234567890123456],
  ])('refuses a %s one, naming the setting and never quoting it', (_, identitySecret) => {
    const error = parseError({ acme: { identitySecret } });
    expect(error).toMatchObject({ siteKey: 'acme', field: 'identitySecret' });
    expect(error.message).toMatch(
      /identitySecret=\[redacted\]: expected a string of at least 16 characters/,
    );
    if (typeof identitySecret === 'string' && identitySecret.trim())
      expect(error.message).not.toContain(identitySecret);
  });
});
