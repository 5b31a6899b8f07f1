/**
 * `npm run size`: the gzip size of each built entry against its budget, and what each dependency
 * costs. Exits 1 when an entry is over budget, so growth fails `npm test`.
 * Run `npm run build` first (npm test does).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Budgets in gzip bytes per built file. */
const BUDGETS: Record<string, number> = {
  // Issue 6 brings this to 24 KB by splitting the bundle; 31 KB holds the line until then.
  'dist/widget.js': 31 * 1024,
};

const gzipSize = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;

let over = false;
console.log('entry                 gzip        budget      status');
for (const [file, budget] of Object.entries(BUDGETS)) {
  let size: number;
  try {
    size = gzipSize(readFileSync(join(root, file)));
  } catch {
    console.error(`${file} is missing: run npm run build first.`);
    process.exit(1);
  }
  const ok = size <= budget;
  over ||= !ok;
  console.log(
    `${file.padEnd(22)}${kb(size).padEnd(12)}${kb(budget).padEnd(12)}${ok ? 'ok' : 'OVER BUDGET'}`,
  );
}

// Attribution: minify the same entry with esbuild and group the output bytes by package.
const result = await build({
  entryPoints: [join(root, 'widget/embed.ts')],
  bundle: true,
  minify: true,
  write: false,
  metafile: true,
  format: 'iife',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'silent',
});
const output = Object.values(result.metafile.outputs)[0];
const byPackage = new Map<string, number>();
for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  const name = match?.[1] ?? `ours: ${path.split('/')[0]}`;
  byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
}
const total = [...byPackage.values()].reduce((a, b) => a + b, 0);
const gzipTotal = gzipSize(result.outputFiles[0]!.contents);
console.log('\nwhat each part costs (minified bytes from an esbuild build of the same entry;');
console.log(`gzip share estimated in proportion; that build is ${kb(gzipTotal)} gzip in all)`);
for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) {
  console.log(
    `  ${name.padEnd(26)}${kb(bytes).padStart(10)} min  ~${kb((bytes / total) * gzipTotal).padStart(9)} gzip`,
  );
}
if (over) process.exit(1);
