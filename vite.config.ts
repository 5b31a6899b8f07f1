import { defineConfig } from 'vitest/config';

/**
 * Two builds (`npm run build` runs both):
 * - default: the widget's ES modules under `dist/leflux/` — `embed.js` (launcher, config) and the
 *   chunks it loads on demand (chat UI and client, then the socket.io transport);
 * - `--mode loader`: `dist/widget.js`, the classic script a site embeds, which imports `embed.js`.
 * `npm run dev` serves index.html, which mounts the widget from source against `npm start`.
 */
export default defineConfig(({ mode }) => ({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build:
    mode === 'loader'
      ? {
          target: 'es2020',
          outDir: 'dist',
          emptyOutDir: false,
          sourcemap: true,
          lib: {
            entry: 'widget/loader.ts',
            formats: ['iife'],
            name: 'LeFluxLoader',
            fileName: () => 'widget.js',
          },
        }
      : {
          target: 'es2020',
          outDir: 'dist/leflux',
          emptyOutDir: true,
          sourcemap: true,
          // Library mode because only it stops Vite wrapping each `import()` in its preload
          // helper (~1 KB, kept even with `modulePreload: false`: vitejs/vite#18551); we preload
          // nothing and have no CSS files, so the helper never did anything here.
          lib: { entry: { embed: 'widget/embed.ts' }, formats: ['es'] },
          rolldownOptions: {
            // Lets embed.js export the modules it shares with the chat chunk (storage, strings,
            // the host), which is always loaded after it. With 'exports-only' they went to a
            // third, shared chunk: one more request and ~0.3 KB of gzip overhead.
            preserveEntrySignatures: 'allow-extension',
            output: {
              entryFileNames: '[name].js',
              chunkFileNames: '[name]-[hash].js',
              // Library mode's ES defaults keep whitespace and /*#__PURE__*/ comments for a
              // consumer's bundler; this output goes straight to browsers.
              minify: true,
              comments: false,
            },
          },
        },
  test: {
    include: ['src/**/*.test.ts', 'widget/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
}));
