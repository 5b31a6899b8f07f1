import { describe, expect, it } from 'vitest';
import { isLang, launcherLabel, loadStrings } from './strings.js';

describe('strings', () => {
  it('loads each language’s table, with the keys English has', async () => {
    const en = await loadStrings('en');
    expect(en.send).toBe('Send');
    const fr = await loadStrings('fr');
    const de = await loadStrings('de');
    expect(fr.send).toBe('Envoyer');
    expect(de.send).toBe('Senden');
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  it('has the launcher’s label apart, for before any table loads', () => {
    expect(launcherLabel('en')).toBe('Open chat');
    expect(launcherLabel('fr')).toBe('Ouvrir le chat');
    expect(launcherLabel('de')).toBe('Chat öffnen');
  });

  it('knows its languages and nothing inherited', () => {
    expect(['en', 'fr', 'de'].every(isLang)).toBe(true);
    expect(isLang('tlh')).toBe(false);
    expect(isLang('constructor')).toBe(false);
  });
});
