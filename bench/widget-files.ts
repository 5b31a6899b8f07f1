import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSize } from './gzip-size.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The widget's built files with their gzip sizes, and which of them load before the launcher. */
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
  visit('leflux/embed.js');
  const sum = (names: Iterable<string>) => [...names].reduce((n, f) => n + (files.get(f) ?? 0), 0);
  return { files, critical, beforeLauncher: sum(critical), total: sum(files.keys()) };
}
