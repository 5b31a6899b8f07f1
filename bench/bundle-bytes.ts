/**
 * Figure 6: bytes. The widget's built files, gzip (as `npm run size` counts them), against the
 * dependency floor; and the scripts a page downloads before the launcher shows, against preact.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from '@playwright/test';
import { build } from 'esbuild';
import { probedContext, probeState } from './browser.js';
import { gzipSize } from './gzip-size.js';
import { sleep } from './stats.js';
import { measureWidgetFiles } from './widget-files.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every built file of the widget, each gzipped on its own (`npm run size`'s total). */
export function widgetGzipBytes(): { total: number; files: number; beforeLauncherStatic: number } {
  const measured = measureWidgetFiles();
  return {
    total: measured.total,
    files: measured.files.size,
    beforeLauncherStatic: measured.beforeLauncher,
  };
}

/** Minified (esbuild, iife, es2022 as the widget's build) and gzipped size of a browser bundle. */
async function floorBytes(source: string): Promise<number> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return gzipSize(result.outputFiles[0]!.contents);
}

/** What every widget built on our stack must ship: preact + hooks, socket.io-client, idb, nanoid. */
export const dependencyFloorBytes = () =>
  floorBytes(`
    import { h, render } from 'preact';
    import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
    import { io } from 'socket.io-client';
    import { openDB } from 'idb';
    import { nanoid } from 'nanoid';
    (globalThis as any).floor = [h, render, useEffect, useLayoutEffect, useRef, useState, io, openDB, nanoid];
  `);

/** The least a Preact launcher needs: preact + hooks. */
export const launcherFloorBytes = () =>
  floorBytes(`
    import { h, render } from 'preact';
    import { useEffect, useState } from 'preact/hooks';
    (globalThis as any).floor = [h, render, useEffect, useState];
  `);

export interface BeforeLauncherResult {
  /** Scripts whose download ended before the launcher showed. */
  scripts: Array<{ url: string; transferBytes: number; gzipBytes: number }>;
  /** Sum of their gzip (level 9) sizes: what they weigh over a compressing server/CDN. */
  gzipBytes: number;
  /** Sum of their encoded body sizes as this server sent them. */
  transferBytes: number;
  /** performance.now() when the launcher showed, first visit. */
  launcherAt: number;
}

/** A first visit (empty storage): scripts fetched before `button "Open chat"` is in the shadow root. */
export async function measureBeforeLauncher(
  browser: Browser,
  origin: string,
): Promise<BeforeLauncherResult> {
  const context = await probedContext(browser);
  try {
    const page = await context.newPage();
    await page.goto(`${origin}/widget.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__leFluxBench?.launcherAt !== undefined, undefined, {
      timeout: 15_000,
    });
    await sleep(1000);
    const { launcherAt } = await probeState(page);
    const fetched = await page.evaluate((before) => {
      const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      return resources
        .filter(
          (e) =>
            (e.initiatorType === 'script' || /\.m?js$/.test(new URL(e.name).pathname)) &&
            e.responseEnd <= before,
        )
        .map((e) => ({ url: e.name, transferBytes: e.encodedBodySize }));
    }, launcherAt!);
    const scripts = await Promise.all(
      fetched.map(async (s) => {
        const body = new Uint8Array(await (await fetch(s.url)).arrayBuffer());
        return { ...s, gzipBytes: gzipSize(body) };
      }),
    );
    return {
      scripts,
      gzipBytes: scripts.reduce((sum, s) => sum + s.gzipBytes, 0),
      transferBytes: scripts.reduce((sum, s) => sum + s.transferBytes, 0),
      launcherAt: launcherAt!,
    };
  } finally {
    await context.close();
  }
}
