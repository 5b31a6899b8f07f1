// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { readEmbedConfig } from './embed-config.js';

function scriptWith(attrs: Record<string, string>): HTMLScriptElement {
  const script = document.createElement('script');
  script.src = 'https://chat.example.com/widget.js';
  for (const [name, value] of Object.entries(attrs)) script.setAttribute(`data-${name}`, value);
  return script;
}

function read(attrs: Record<string, string>, pageLang = '') {
  document.documentElement.lang = pageLang;
  const warnings: string[] = [];
  const config = readEmbedConfig(scriptWith(attrs), document, (m) => warnings.push(m));
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
      dir: 'ltr',
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
      dir: 'ltr',
      accent: '#0a7d4f',
    });
    expect(warnings).toEqual([]);
  });

  // What is not a colour is for the browser to say (CSS.supports): e2e/widget-ux.spec.ts.
  it('takes any CSS colour for data-accent', () => {
    for (const accent of ['rebeccapurple', 'rgb(10 125 79)', 'hsl(150deg 85% 26%)', '#abc'])
      expect(read({ accent }).config.accent).toBe(accent);
  });

  it('mirrors for Arabic and Hebrew, and on a right-to-left page: the launcher then sits left', () => {
    expect(read({ lang: 'ar' }).config).toMatchObject({ lang: 'ar', dir: 'rtl', position: 'left' });
    expect(read({}, 'he-IL').config).toMatchObject({ lang: 'he', dir: 'rtl', position: 'left' });
    document.documentElement.dir = 'rtl';
    try {
      expect(read({}).config).toMatchObject({ lang: 'en', dir: 'rtl', position: 'left' });
      // An explicit position still wins.
      expect(read({ position: 'right' }).config).toMatchObject({ dir: 'rtl', position: 'right' });
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
});
