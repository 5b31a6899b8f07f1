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
    });
    expect(warnings).toEqual([]);
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
