import { defineConfig } from 'vitest/config';

/**
 * Builds the embed bundle `dist/widget.js` (one classic script, loaded with `async`).
 * `npm run dev` serves index.html, which loads the widget from source against a running server.
 */
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: true,
    lib: {
      entry: 'widget/embed.ts',
      formats: ['iife'],
      name: 'LeFluxEmbed',
      fileName: () => 'widget.js',
    },
    minify: true,
    sourcemap: true,
  },
  test: {
    include: ['src/**/*.test.ts', 'widget/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
});
