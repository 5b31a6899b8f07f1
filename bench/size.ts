/**
 * `npm run size`: the gzip size of each built entry against its budget, and what each dependency
 * costs. Exits 1 when an entry is over budget, so growth fails `npm test`.
 * Run `npm run build` first (npm test does).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { measureDashboardFiles } from './dashboard-files.js';
import { gzipSize } from './gzip-size.js';
import { measureWidgetFiles } from './widget-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Budgets in gzip bytes (see `measureWidgetFiles`), each a little over what the build weighs now,
 * so growth fails CI. `beforeLauncher`: what a page downloads before the launcher shows (issue
 * 14: at most 6 KB). `plainChat`: what a visitor who opens the window, sends a message and reads
 * the answer has downloaded in all. Issue 14 asks for 30 KB; 39.34 KB with socket.io-client,
 * whose code is ~10.5 KB of it (issue 15's identify({ userId, userHash }) added 0.15 KB): bench/README.md says where every byte is and what 30 KB takes.
 * `total`: every file with the largest language chunk, so what loads on demand (page steps,
 * contact form, menu, long-polling, other languages) is held too.
 */
const BUDGETS = {
  beforeLauncher: 6 * 1024,
  plainChat: 39.4 * 1024,
  total: 43.7 * 1024,
};

/**
 * The dashboard's own budgets (gzip): its files are a build of their own, none of them the
 * widget's. `signIn`: what a signed-out browser loads (Preact, the sign-in form, the styles; 9.2 KB
 * when set); `total`: with the inbox chunk, whose socket.io-client is ~12 KB of it (27.4 KB when set).
 */
const DASHBOARD_BUDGETS = { signIn: 12 * 1024, total: 32 * 1024 };

const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`;

let measured: ReturnType<typeof measureWidgetFiles>;
try {
  measured = measureWidgetFiles();
} catch {
  console.error('dist/ is missing or incomplete: run npm run build first.');
  process.exit(1);
}
console.log('file                                   gzip');
for (const [file, size] of [...measured.files].sort((a, b) => b[1] - a[1])) {
  const mark = measured.critical.has(file)
    ? ' (before launcher)'
    : measured.plainChatFiles.has(file)
      ? ' (plain chat)'
      : measured.languages.has(file)
        ? ' (one language: a visitor loads one at most)'
        : ' (on demand)';
  console.log(`  ${file.padEnd(36)}${kb(size).padStart(10)}${mark}`);
}
let over = false;
console.log('\nbudget                 gzip        budget      status');
for (const [name, size, budget] of [
  ['before launcher', measured.beforeLauncher, BUDGETS.beforeLauncher],
  ['plain chat (English)', measured.plainChat, BUDGETS.plainChat],
  ['every file (any lang.)', measured.total, BUDGETS.total],
] as const) {
  const ok = size <= budget;
  over ||= !ok;
  console.log(
    `${name.padEnd(23)}${kb(size).padEnd(12)}${kb(budget).padEnd(12)}${ok ? 'ok' : 'OVER BUDGET'}`,
  );
}

let dashboard: ReturnType<typeof measureDashboardFiles> | undefined;
try {
  dashboard = measureDashboardFiles();
} catch {
  console.error('\ndist/dashboard/ is missing: run npm run build first.');
  over = true;
}
if (dashboard) {
  console.log('\ndashboard (its own build, dist/dashboard/; none of it in the widget files above)');
  for (const [file, size] of [...dashboard.files].sort((a, b) => b[1] - a[1])) {
    const mark = dashboard.signIn.has(file) ? ' (before sign-in)' : '';
    console.log(`  ${file.padEnd(36)}${kb(size).padStart(10)}${mark}`);
  }
  for (const [name, size, budget] of [
    ['dashboard before sign-in', dashboard.beforeSignIn, DASHBOARD_BUDGETS.signIn],
    ['dashboard total', dashboard.total, DASHBOARD_BUDGETS.total],
  ] as const) {
    const ok = size <= budget;
    over ||= !ok;
    console.log(
      `${name.padEnd(25)}${kb(size).padEnd(12)}${kb(budget).padEnd(12)}${ok ? 'ok' : 'OVER BUDGET'}`,
    );
  }
}

// Attribution: minify the same entry with esbuild and group the output bytes by package.
const result = await build({
  entryPoints: [join(root, 'widget/embed.ts')],
  bundle: true,
  minify: true,
  write: false,
  metafile: true,
  // One bundle with everything, so each package is counted once whichever chunk it lands in.
  format: 'iife',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'silent',
  plugins: [
    {
      // `import css from './x.css?inline'` (Vite's syntax): the file as a string, unminified.
      name: 'css-inline',
      setup(build) {
        build.onResolve({ filter: /\.css\?inline$/ }, ({ path, resolveDir }) => ({
          path: join(resolveDir, path.replace(/\?inline$/, '')),
        }));
        build.onLoad({ filter: /\.css$/ }, ({ path }) => ({
          contents: readFileSync(path, 'utf8'),
          loader: 'text',
        }));
      },
    },
  ],
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
console.log(`gzip share estimated in proportion; that build is ${kb(gzipTotal)} gzip in all.`);
// esbuild keeps engine.io-client's unused WebTransport and fetch transports (its classes
// `extend` another, which esbuild will not assume side-effect free); the real build drops them.
console.log('engine.io-client is overcounted: this build keeps transports the real one drops)');
for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) {
  console.log(
    `  ${name.padEnd(26)}${kb(bytes).padStart(10)} min  ~${kb((bytes / total) * gzipTotal).padStart(9)} gzip`,
  );
}
if (over) process.exit(1);
