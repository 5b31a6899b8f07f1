import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSize } from './gzip-size.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A language's strings chunk (`strings-fr-<hash>.js`): a visitor downloads one of them at most. */
const LANGUAGE_CHUNK = /^leflux\/strings-[a-z]+-[A-Za-z0-9_-]+\.js$/;

/**
 * The widget's built files with their gzip sizes, which of them load before the launcher, and
 * the total a visitor who chats downloads: every file but the languages' strings chunks, plus the
 * largest of those (English needs none, being in embed.js).
 */
export function measureWidgetFiles(dist = join(root, 'dist')) {
  const files = new Map<string, number>();
  const read = (rel: string) => {
    const bytes = readFileSync(join(dist, rel));
    files.set(rel, gzipSize(bytes));
    return bytes.toString('utf8');
  };
  read('widget.js');
  for (const name of readdirSync(join(dist, 'leflux')))
    if (name.endsWith('.js')) read(`leflux/${name}`);
  // Follow embed.js's static imports (`from"./x.js"` / `import"./x.js"`); dynamic ones load later.
  const critical = new Set(['widget.js']);
  const visit = (rel: string) => {
    if (critical.has(rel)) return;
    critical.add(rel);
    const code = readFileSync(join(dist, rel), 'utf8');
    for (const [, spec] of code.matchAll(/(?:from|import)\s*["'](\.\/[^"']+)["']/g)) {
      visit(`leflux/${spec!.slice(2)}`);
    }
  };
  // The entry's name is hashed; the build's manifest says which file it is.
  const manifest = JSON.parse(readFileSync(join(dist, 'leflux/.vite/manifest.json'), 'utf8')) as {
    'widget/embed.ts': { file: string };
  };
  visit(`leflux/${manifest['widget/embed.ts'].file}`);
  const sum = (names: Iterable<string>) => [...names].reduce((n, f) => n + (files.get(f) ?? 0), 0);
  const languages = new Set([...files.keys()].filter((f) => LANGUAGE_CHUNK.test(f)));
  const english = sum([...files.keys()].filter((f) => !languages.has(f)));
  const largestLanguage = Math.max(0, ...[...languages].map((f) => files.get(f)!));
  return {
    files,
    critical,
    languages,
    beforeLauncher: sum(critical),
    /** What a visitor who chats downloads, in the language with the largest chunk. */
    total: english + largestLanguage,
    /** The same in English, whose strings are in embed.js. */
    totalEnglish: english,
  };
}
