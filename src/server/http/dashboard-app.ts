import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { builtFileRoute } from './built-file.js';
import { HttpError } from './http-error.js';
import type { RouteContext, RouteHandler } from './router.js';

/**
 * What every dashboard response carries: its pages may not be framed (clickjacking), load only
 * this origin's scripts and styles, and send no referrer; other origins may not embed its files.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** File names the build writes under `assets/`. */
const ASSET = /^assets\/[A-Za-z0-9_-]+\.(js|css|svg)$/;

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

export interface DashboardAppOptions {
  /** The dashboard's build (`dist/dashboard`): `index.html`, `assets/`, `manifest.json`. */
  dir: string;
  /** Whether the request is signed in. */
  signedIn(context: RouteContext): boolean;
}

/**
 * `GET /dashboard` and everything under it that is not the API: the dashboard app. What a
 * signed-out browser may load is the sign-in page: `index.html` (every client route gets it),
 * the entry chunk and what it imports statically, and their CSS, as the build's manifest lists
 * them. Every other file (the inbox, settings and analytics, loaded after sign-in) answers 401
 * without a sign-in. Hashed files are cached for a year; `index.html` is revalidated.
 */
export function dashboardAppRoute({ dir, signedIn }: DashboardAppOptions): RouteHandler {
  const index = builtFileRoute(join(dir, 'index.html'), {
    contentType: 'text/html; charset=utf-8',
    cacheControl: 'no-cache',
    headers: DASHBOARD_HEADERS,
  });
  const files = new Map<string, RouteHandler>();
  let manifest: { mtimeMs: number; open: Set<string> } | undefined;

  /** The files a signed-out browser may load, re-read when a rebuild changes the manifest. */
  async function openFiles(): Promise<Set<string>> {
    const path = join(dir, 'manifest.json');
    const info = await stat(path).catch(() => undefined);
    if (!info) return new Set();
    if (manifest?.mtimeMs === info.mtimeMs) return manifest.open;
    const chunks = JSON.parse(await readFile(path, 'utf8')) as Record<string, ManifestChunk>;
    const open = new Set<string>();
    const visit = (key: string) => {
      const chunk = chunks[key];
      if (!chunk || open.has(chunk.file)) return;
      open.add(chunk.file);
      for (const css of chunk.css ?? []) open.add(css);
      for (const imported of chunk.imports ?? []) visit(imported);
    };
    for (const [key, chunk] of Object.entries(chunks)) if (chunk.isEntry) visit(key);
    manifest = { mtimeMs: info.mtimeMs, open };
    return open;
  }

  return async (context) => {
    const path = context.params['*'] ?? '';
    if (!path.startsWith('assets/')) return index(context);
    if (!ASSET.test(path)) throw new HttpError(404, 'not_found', `no dashboard file ${path}`);
    if (!(await openFiles()).has(path) && !signedIn(context)) {
      throw new HttpError(401, 'unauthorized', 'sign in to the dashboard first');
    }
    let file = files.get(path);
    if (!file) {
      const extension = path.slice(path.lastIndexOf('.') + 1);
      file = builtFileRoute(join(dir, path), {
        contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
        cacheControl: 'private, max-age=31536000, immutable',
        headers: DASHBOARD_HEADERS,
      });
      files.set(path, file);
    }
    try {
      await file(context);
    } catch (error) {
      files.delete(path);
      throw error instanceof HttpError && error.status === 503
        ? new HttpError(404, 'not_found', `no dashboard file ${path}`)
        : error;
    }
  };
}
