import { describe, expect, it } from 'vitest';
import { isLang, launcherLabel, loadStrings, overrideStrings } from './strings.js';

describe('strings', () => {
  it('loads each language’s table, with the keys English has', async () => {
    const en = await loadStrings('en');
    expect(en.send).toBe('Send');
    expect(en.takenOver).toContain('another tab took over');
    const tables = {
      fr: await loadStrings('fr'),
      de: await loadStrings('de'),
      ar: await loadStrings('ar'),
      he: await loadStrings('he'),
    };
    expect(tables.fr.send).toBe('Envoyer');
    expect(tables.de.send).toBe('Senden');
    expect(tables.ar.send).toBe('إرسال');
    for (const table of Object.values(tables)) {
      expect(Object.keys(table).sort()).toEqual(Object.keys(en).sort());
      expect(table.unread).toContain('{count}');
    }
  });

  it('lays a site’s overrides over the language’s table', async () => {
    const fr = await loadStrings('fr', { send: 'Go', placeholder: 'Votre question…' });
    expect(fr).toMatchObject({
      send: 'Go',
      placeholder: 'Votre question…',
      closeChat: 'Fermer le chat',
    });
  });

  it('takes overrides of known strings only, each bad one left out with one warning', () => {
    const warnings: string[] = [];
    const overrides = overrideStrings(
      {
        send: 'Go',
        openChat: 'Questions?',
        sned: 'typo',
        closeChat: '',
        typing: 42,
        empty: 'x'.repeat(301),
        __proto__: 'nope',
      },
      (m) => warnings.push(m),
    );
    expect(overrides).toEqual({ send: 'Go', openChat: 'Questions?' });
    expect(warnings).toHaveLength(4);
    expect(warnings.join('\n')).toMatch(/strings\.sned .*not a string the widget has/);
    expect(warnings.join('\n')).toMatch(/strings\.closeChat must be text/);
    expect(overrideStrings(undefined, (m) => warnings.push(m))).toEqual({});
    expect(overrideStrings('Send', (m) => warnings.push(m))).toEqual({});
    expect(warnings).toHaveLength(5);
  });

  it('has the launcher’s label apart, for before any table loads', () => {
    expect(launcherLabel('en')).toBe('Open chat');
    expect(launcherLabel('fr')).toBe('Ouvrir le chat');
    expect(launcherLabel('de')).toBe('Chat öffnen');
    expect(launcherLabel('ar')).toBe('افتح المحادثة');
  });

  it('knows its languages and nothing inherited', () => {
    expect(['en', 'fr', 'de', 'ar', 'he'].every(isLang)).toBe(true);
    expect(isLang('tlh')).toBe(false);
    expect(isLang('constructor')).toBe(false);
  });
});
