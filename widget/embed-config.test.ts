// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { applySettings, readEmbedConfig, settingRule } from './embed-config.js';

function scriptWith(attrs: Record<string, string>): HTMLScriptElement {
  const script = document.createElement('script');
  script.src = 'https://chat.example.com/widget.js';
  for (const [name, value] of Object.entries(attrs)) script.setAttribute(`data-${name}`, value);
  return script;
}

function read(attrs: Record<string, string>, pageLang = '', settings?: unknown) {
  document.documentElement.lang = pageLang;
  const warnings: string[] = [];
  const config = readEmbedConfig(scriptWith(attrs), document, (m) => warnings.push(m), settings);
  return { config, warnings };
}

describe('readEmbedConfig', () => {
  it('uses the contract defaults, with the script’s own origin as server', () => {
    const { config, warnings } = read({});
    expect(config).toEqual({
      siteKey: 'default',
      server: 'https://chat.example.com',
      noVisitorId: false,
      open: false,
      position: 'right',
      theme: 'auto',
      title: 'Chat',
      lang: 'en',
      strings: {},
    });
    expect(warnings).toEqual([]);
  });

  it('reads every attribute', () => {
    const { config, warnings } = read({
      'site-key': 'acme',
      server: 'http://127.0.0.1:9000/some/path',
      'no-visitor-id': '',
      open: 'true',
      position: 'left',
      theme: 'dark',
      title: 'Help desk',
      lang: 'fr-CA',
      accent: ' #0a7d4f ',
    });
    expect(config).toEqual({
      siteKey: 'acme',
      server: 'http://127.0.0.1:9000',
      noVisitorId: true,
      open: true,
      position: 'left',
      theme: 'dark',
      title: 'Help desk',
      lang: 'fr',
      accent: '#0a7d4f',
      strings: {},
    });
    expect(warnings).toEqual([]);
  });

  // What is not a colour is for the browser to say (CSS.supports): e2e/widget-ux.spec.ts.
  it('takes any CSS colour for data-accent, or LeFluxSettings.accent', () => {
    for (const accent of ['rebeccapurple', 'rgb(10 125 79)', 'hsl(150deg 85% 26%)', '#abc'])
      expect(read({ accent }).config.accent).toBe(accent);
    expect(read({}, '', { accent: '#0a7d4f' }).config.accent).toBe('#0a7d4f');
  });

  it('docks on the left right to left (Arabic, Hebrew, a dir="rtl" page) unless told where', () => {
    expect(read({ lang: 'ar' }).config).toMatchObject({ lang: 'ar', position: 'left' });
    expect(read({}, 'he-IL').config).toMatchObject({ lang: 'he', position: 'left' });
    expect(read({ position: 'right' }, 'he').config.position).toBe('right');
    expect(read({}, 'ar', { position: 'right' }).config.position).toBe('right');
    document.documentElement.dir = 'rtl';
    try {
      expect(read({}).config).toMatchObject({ lang: 'en', position: 'left' });
    } finally {
      document.documentElement.dir = '';
    }
  });

  it('follows the page language when data-lang is absent, English when unknown', () => {
    expect(read({}, 'de-AT').config.lang).toBe('de');
    expect(read({}, 'xx').config.lang).toBe('en');
  });

  it.each([
    ['site-key', 'Not A Slug!', '"default"'],
    ['server', 'javascript:alert(1)', '"https://chat.example.com"'],
    ['open', 'yes', 'false'],
    ['position', 'center', '"right"'],
    ['theme', 'neon', '"auto"'],
    ['title', '   ', '"Chat"'],
    ['lang', 'klingon', '"en"'],
  ])('warns once for an invalid data-%s and uses the default', (name, value, used) => {
    const { warnings } = read({ [name]: value });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`data-${name}="${value}"`);
    expect(warnings[0]).toContain(`using ${used}`);
  });

  describe('window.LeFluxSettings', () => {
    it('sets every setting by its camelCase name, plus the site’s strings', () => {
      const { config, warnings } = read({}, '', {
        siteKey: 'acme',
        server: 'http://127.0.0.1:9000/x',
        noVisitorId: true,
        open: true,
        position: 'left',
        theme: 'dark',
        title: 'Help desk',
        lang: 'de',
        strings: { send: 'Go', openChat: 'Talk to us' },
      });
      expect(config).toEqual({
        siteKey: 'acme',
        server: 'http://127.0.0.1:9000',
        noVisitorId: true,
        open: true,
        position: 'left',
        theme: 'dark',
        title: 'Help desk',
        lang: 'de',
        strings: { send: 'Go', openChat: 'Talk to us' },
      });
      expect(warnings).toEqual([]);
    });

    it('gives way to the attributes, which win', () => {
      const { config, warnings } = read({ title: 'From the tag', theme: 'light' }, '', {
        title: 'From settings',
        theme: 'dark',
        position: 'left',
      });
      expect(config).toMatchObject({ title: 'From the tag', theme: 'light', position: 'left' });
      expect(warnings).toEqual([]);
    });

    it('keeps a valid setting when the attribute over it is invalid, and says so', () => {
      const { config, warnings } = read({ theme: 'neon' }, '', { theme: 'dark' });
      expect(config.theme).toBe('dark');
      expect(warnings).toEqual([
        '[leflux] data-theme="neon" is invalid (expected light, dark, auto); using "dark" instead.',
      ]);
    });

    it.each([
      ['siteKey', 'Not A Slug!', '"default"'],
      ['server', 'ftp://x.example', '"https://chat.example.com"'],
      ['open', 'yes', 'false'],
      ['noVisitorId', 1, 'false'],
      ['position', 'middle', '"right"'],
      ['theme', 42, '"auto"'],
      ['title', '', '"Chat"'],
      ['lang', 'tlh', '"en"'],
    ])(
      'warns once for an invalid %s, as for the attribute, and uses the default',
      (key, value, used) => {
        const { config, warnings } = read({}, '', { [key]: value });
        expect(warnings).toEqual([
          expect.stringContaining(`LeFluxSettings.${key}=${JSON.stringify(value)} is invalid`),
        ]);
        expect(warnings[0]).toContain(`using ${used} instead`);
        expect(JSON.stringify(config[key as keyof typeof config])).toBe(used);
      },
    );

    it('warns once per unknown key or bad string, and keeps the rest', () => {
      const { config, warnings } = read({}, '', {
        sitekey: 'acme',
        title: 'Help',
        strings: {
          send: 'Go',
          sned: 'Go',
          placeholder: 7,
          closeChat: '  ',
          empty: 'x'.repeat(301),
        },
      });
      expect(config.title).toBe('Help');
      expect(config.strings).toEqual({ send: 'Go' });
      expect(warnings).toEqual([
        '[leflux] LeFluxSettings.sitekey="acme" is invalid (no such setting); ignored.',
        '[leflux] LeFluxSettings.strings.sned="Go" is invalid (no such setting); ignored.',
        '[leflux] LeFluxSettings.strings.placeholder=7 is invalid (expected text of 1-300 characters); ignored.',
        '[leflux] LeFluxSettings.strings.closeChat="  " is invalid (expected text of 1-300 characters); ignored.',
        `[leflux] LeFluxSettings.strings.empty="${'x'.repeat(301)}" is invalid (expected text of 1-300 characters); ignored.`,
      ]);
    });

    it('ignores settings that are not an object, with one warning', () => {
      const { config, warnings } = read({}, '', 'dark');
      expect(config.theme).toBe('auto');
      expect(warnings).toEqual([
        '[leflux] LeFluxSettings="dark" is invalid (expected an object); ignored.',
      ]);
    });
  });
});

describe('applySettings (update())', () => {
  it('changes only the keys it is allowed to, each checked, keeping the current value', () => {
    const look = { title: 'Chat', theme: 'auto', lang: 'en', position: 'right' } as const;
    const warnings: string[] = [];
    const next = applySettings(
      { ...look },
      { title: ' Support ', theme: 'neon', lang: 'fr-FR', siteKey: 'other' },
      (key) => `update() ${key}`,
      (key) => ['title', 'theme', 'lang', 'position'].includes(key) && settingRule(key),
      (m) => warnings.push(m),
    );
    expect(next).toEqual({ title: 'Support', theme: 'auto', lang: 'fr', position: 'right' });
    expect(warnings).toEqual([
      '[leflux] update() theme="neon" is invalid (expected light, dark, auto); using "auto" instead.',
      '[leflux] update() siteKey="other" is invalid (no such setting); ignored.',
    ]);
  });
});
