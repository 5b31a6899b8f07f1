import { cpSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * engine.io-client's socket looks its transports up by name in one table that also holds
 * WebTransport and HTTP long-polling, and through them engine.io-parser's stream codecs. Our
 * connection starts with WebSocket alone and needs polling only where a network blocks WebSockets
 * (src/client/transport/connection.ts): this resolves that table, when engine.io-client's browser
 * build imports it, to one holding WebSocket only (~1.1 KB gzip of WebTransport never ships, and
 * ~1.5 KB of polling moves to a chunk that adds itself to this table when a connection fails,
 * src/client/transport/polling.ts). No file in node_modules changes. Asking for 'webtransport'
 * would then throw when connecting. If a new engine.io-client moves the table, nothing is swapped
 * and `npm run size` shows the bytes.
 */
/** The transports table `withoutWebTransport` puts in place of engine.io-client's. */
const TABLE = '\0leflux:engine-transports';

function withoutWebTransport(): Plugin {
  const table = TABLE;
  let transportsDir = '';
  return {
    name: 'leflux:without-webtransport',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source !== './transports/index.js' || !importer) return null;
      if (!/[\\/]engine\.io-client[\\/]build[\\/]esm[\\/][^\\/]+\.js$/.test(importer)) return null;
      transportsDir = join(dirname(importer), 'transports');
      return table;
    },
    load(id) {
      if (id !== table) return null;
      const file = (name: string) => JSON.stringify(join(transportsDir, name));
      return [
        `import { WS } from ${file('websocket.js')};`,
        'export const transports = { websocket: WS };',
      ].join('\n');
    },
  };
}

/**
 * The hashed file names of the first build, for `widget.js` to import: its manifest lists the
 * entry (`embed-<hash>.js`) and the chat chunk the entry imports.
 */
function builtModules(): { embed: string; chat: string } {
  const path = 'dist/leflux/.vite/manifest.json';
  let manifest: Record<string, { file: string }>;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new Error(`${path} is missing: build the modules first (npm run build runs both)`, {
      cause,
    });
  }
  const file = (source: string) => {
    const entry = manifest[source];
    if (!entry) throw new Error(`${path} has no ${source}`);
    return entry.file;
  };
  return { embed: file('widget/embed.ts'), chat: file('widget/create-widget.ts') };
}

/** What the package's browser entry (`leflux`) leaves to the app's bundler: its dependencies. */
const SDK_DEPENDENCIES = /^(engine\.io-client|idb|nanoid|preact|socket\.io-client)(\/|$)/;

/**
 * Copies the demo site into `dist/demo/` with the server build, for `npx leflux serve --demo` from
 * the package (which ships `dist/` only). `hostile.html` is a test page, not part of the demo.
 */
function demoSite(): Plugin {
  return {
    name: 'leflux:demo-site',
    writeBundle() {
      cpSync('demo', 'dist/demo', {
        recursive: true,
        filter: (source) => !source.endsWith('hostile.html'),
      });
    },
  };
}

/**
 * The dashboard (`--mode dashboard`): an app of its own in `dist/dashboard/`, served at
 * `/dashboard` by the server, sharing no file with the widget. Its manifest tells the server which
 * files a signed-out browser may load: the entry (the sign-in page) and what it imports
 * statically; the inbox is a chunk of its own, loaded after sign-in.
 */
function dashboardConfig(test: ViteUserConfig['test']): ViteUserConfig {
  return {
    root: 'dashboard',
    base: '/dashboard/',
    plugins: [withoutWebTransport()],
    oxc: { jsx: { runtime: 'automatic' as const, importSource: 'preact' } },
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      target: 'es2022',
      outDir: '../dist/dashboard',
      emptyOutDir: true,
      // Kept in the package (not under .vite/, which packs leave out): the server reads it to know
      // which files are public. The server never serves it.
      manifest: 'manifest.json',
      sourcemap: false,
      // No preload helper: nothing in the entry is worth fetching before sign-in.
      modulePreload: false,
      rolldownOptions: {
        output: {
          entryFileNames: 'assets/[name]-[hash].js',
          chunkFileNames: 'assets/[name]-[hash].js',
          assetFileNames: 'assets/[name]-[hash][extname]',
        },
      },
    },
    test,
  };
}

/**
 * The builds (`npm run build` runs them all; the loader after the default one, which it reads):
 * - default: the widget's ES modules under `dist/leflux/` — `embed-<hash>.js` (launcher, config)
 *   and the chunks it loads on demand (chat UI and client, then the socket.io transport); every
 *   name is hashed, so browsers keep them for a year without asking again;
 * - `--mode loader`: `dist/widget.js`, the classic script a site embeds (its URL never changes,
 *   so it is revalidated on every load), which imports the embed module by its hashed name;
 * - `--mode browser`: the package's `leflux` entry for apps' bundlers, `dist/browser/`: ES
 *   modules, unminified (the app's bundler minifies), dependencies left as imports;
 * - `--mode server`: `leflux/server` and the `leflux` CLI for Node, `dist/server/`; every
 *   package stays an import (the optional ones are loaded only when a feature needs them);
 * - `--mode dashboard`: the dashboard (above), apart from the widget's files.
 * Their types come from `tsc -p tsconfig.build.json` (`dist/types/`).
 * `npm run dev` serves index.html, which mounts the widget from source against `npm start`.
 */
export default defineConfig(({ mode }): ViteUserConfig => {
  const test = {
    include: ['src/**/*.test.ts', 'widget/**/*.test.{ts,tsx}', 'dashboard/**/*.test.{ts,tsx}'],
    environment: 'node' as const,
  };
  const jsx = { jsx: { runtime: 'automatic' as const, importSource: 'preact' } };
  if (mode === 'dashboard') return dashboardConfig(test);
  if (mode === 'browser') {
    return {
      oxc: jsx,
      build: {
        target: 'es2022',
        outDir: 'dist/browser',
        emptyOutDir: true,
        minify: false,
        lib: { entry: { index: 'widget/index.ts' }, formats: ['es' as const] },
        rolldownOptions: {
          external: (id: string) => SDK_DEPENDENCIES.test(id),
          output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
        },
      },
      test,
    };
  }
  if (mode === 'server') {
    return {
      plugins: [demoSite()],
      build: {
        ssr: true,
        target: 'node20',
        // Flat: config.ts finds the package root two levels above its chunk (dist/server/x.js).
        outDir: 'dist/server',
        emptyOutDir: true,
        minify: false,
        rolldownOptions: {
          input: { index: 'src/server/index.ts', cli: 'src/server/cli.ts' },
          // Shared code goes to chunks of its own: an entry that exported it would be imported
          // by the other (the library importing cli.js would start a server).
          preserveEntrySignatures: 'strict' as const,
          output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
        },
      },
      test,
    };
  }
  return {
    plugins: [withoutWebTransport()],
    oxc: jsx,
    define: {
      'process.env.NODE_ENV': JSON.stringify('production'),
      ...(mode === 'loader'
        ? (({ embed, chat }) => ({
            __LEFLUX_EMBED__: JSON.stringify(embed),
            __LEFLUX_CHAT__: JSON.stringify(chat),
          }))(builtModules())
        : {}),
    },
    build:
      mode === 'loader'
        ? {
            target: 'es2020',
            outDir: 'dist',
            emptyOutDir: false,
            sourcemap: true,
            lib: {
              entry: 'widget/loader.ts',
              formats: ['iife' as const],
              name: 'LeFluxLoader',
              fileName: () => 'widget.js',
            },
          }
        : {
            // The widget already needs Object.hasOwn at boot (Chrome 93, Firefox 92, Safari 15.4),
            // so es2022 syntax costs no browser that could run it, except class static blocks
            // (Safari 16.4), which neither our code nor our dependencies use. es2020 made the build
            // rewrite class fields and ??= / ||= with helpers: ~0.3 KB gzip.
            target: 'es2022',
            outDir: 'dist/leflux',
            emptyOutDir: true,
            sourcemap: true,
            // Read by the loader build (above) and by `npm run size`.
            manifest: true,
            // Library mode because only it stops Vite wrapping each `import()` in its preload
            // helper (~1 KB, kept even with `modulePreload: false`: vitejs/vite#18551); we preload
            // nothing and have no CSS files, so the helper never did anything here.
            lib: { entry: { embed: 'widget/embed.ts' }, formats: ['es' as const] },
            rolldownOptions: {
              // engine.io-client's index re-exports its long-polling transport, whose module
              // probes XMLHttpRequest when it loads: with that side effect the socket's chunk would
              // import the polling chunk (below) on every chat. Nothing needs the probe's result
              // until polling is used, where the polling chunk evaluates it anyway.
              treeshake: {
                moduleSideEffects: (id: string) =>
                  !/[\\/]engine\.io-client[\\/].*[\\/](polling|polling-xhr|has-cors)\.js$/.test(id),
              },
              // Lets embed.js export the modules it shares with the chat chunk (storage, strings,
              // the host), which is always loaded after it. With 'exports-only' they went to a
              // third, shared chunk: one more request and ~0.3 KB of gzip overhead.
              preserveEntrySignatures: 'allow-extension' as const,
              output: {
                // Hashed like the chunks: widget.js (revalidated anyway) names the current one, so
                // the entry needs no revalidation round trip of its own (~4-9 ms a load here).
                entryFileNames: '[name]-[hash].js',
                chunkFileNames: '[name]-[hash].js',
                // The socket's code in one chunk, long-polling's in its own (loaded only where
                // WebSockets fail): left to itself the bundler puts both in a chunk shared by the
                // socket and src/client/transport/polling.ts, which every chat would download.
                // Each group takes only the modules it names (not their dependencies), and the
                // higher priority wins.
                codeSplitting: {
                  includeDependenciesRecursively: false,
                  groups: [
                    {
                      name: 'polling',
                      test: /[\\/]engine\.io-client[\\/].*[\\/](polling|polling-xhr|has-cors)\.js$|[\\/]src[\\/]client[\\/]transport[\\/]polling\.ts$/,
                      priority: 2,
                    },
                    {
                      name: 'socket',
                      test: /[\\/]node_modules[\\/](engine\.io-|socket\.io-|@socket\.io[\\/])|^\0leflux:engine-transports$/,
                      priority: 1,
                    },
                  ],
                },
                // Library mode's ES defaults keep whitespace and /*#__PURE__*/ comments for a
                // consumer's bundler; this output goes straight to browsers.
                minify: true,
                comments: false,
              },
            },
          },
    test,
  };
});
