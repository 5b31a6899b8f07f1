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
          modulePreload: false,
          rollupOptions: {
            input: { embed: 'widget/embed.ts' },
            preserveEntrySignatures: 'exports-only',
            output: {
              format: 'es',
              entryFileNames: '[name].js',
              chunkFileNames: '[name]-[hash].js',
            },
          },
        },
  test: {
    include: ['src/**/*.test.ts', 'widget/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
}));
