import { describe, expect, it } from 'vitest';
import { isLang, launcherLabel, loadStrings } from './strings.js';

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

  it('a site’s launcher name wins over the language’s', () => {
    expect(launcherLabel('ar', { openChat: 'Questions?' })).toBe('Questions?');
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
