import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSize } from './gzip-size.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

/**
 * The dashboard's build (`dist/dashboard/`, apart from the widget's files) with gzip sizes: what
 * a signed-out browser loads (index.html, the entry and its static imports and CSS, as the
 * server decides from the same manifest) and what signing in adds.
 */
export function measureDashboardFiles(dist = join(root, 'dist', 'dashboard')) {
  const files = new Map<string, number>();
  files.set('index.html', gzipSize(readFileSync(join(dist, 'index.html'))));
  for (const name of readdirSync(join(dist, 'assets'))) {
    files.set(`assets/${name}`, gzipSize(readFileSync(join(dist, 'assets', name))));
  }
  const chunks = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as Record<
    string,
    ManifestChunk
  >;
  const signIn = new Set(['index.html']);
  const visit = (key: string) => {
    const chunk = chunks[key];
    if (!chunk || signIn.has(chunk.file)) return;
    signIn.add(chunk.file);
    for (const css of chunk.css ?? []) signIn.add(css);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  for (const [key, chunk] of Object.entries(chunks)) if (chunk.isEntry) visit(key);
  const sum = (names: Iterable<string>) => [...names].reduce((n, f) => n + (files.get(f) ?? 0), 0);
  return { files, signIn, beforeSignIn: sum(signIn), total: sum(files.keys()) };
}
