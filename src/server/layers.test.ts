// @vitest-environment node
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The server's layers, top to bottom (DESIGN.md): a module may import from its own folder and
 * from layers below it, never from a layer above or beside it. The composition root wires them.
 */
const LAYERS: readonly (readonly string[])[] = [
  // The entries (leflux/server, the CLI), the factory, and test support (real Redis and
  // PostgreSQL servers, log capture).
  ['index.ts', 'cli.ts', 'server.ts', 'testing'],
  ['realtime', 'http'],
  ['sessions'],
  ['agent'],
  ['tasks'],
  ['conversation'],
  ['stores', 'log', 'settings'],
  // Leaves any layer may use: settings, limits, logging, metrics, secrets, the crawled site.
  [
    'config.ts',
    'config-error.ts',
    'service-url.ts',
    'limits',
    'logger.ts',
    'redaction.ts',
    'metrics',
    'optional-dependency.ts',
    'secret.ts',
    'site-settings.ts',
    'site',
  ],
];

const root = dirname(fileURLToPath(import.meta.url));
const unitOf = (file: string) =>
  (relative(root, file).split('/')[0] as string).replace(/\.js$/, '.ts');
const rankOf = (unit: string) => LAYERS.findIndex((layer) => layer.includes(unit));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    // Tests and the conformance suites they run are not layered code.
    const test = entry.name.endsWith('.test.ts') || entry.name.endsWith('-conformance.ts');
    return entry.name.endsWith('.ts') && !test ? [path] : [];
  });
}

describe('server layers', () => {
  it('every module belongs to a layer', () => {
    const unplaced = [...new Set(sources(root).map(unitOf))].filter((u) => rankOf(u) < 0);
    expect(unplaced).toEqual([]);
  });

  it('imports point down (or stay in their folder)', () => {
    const upward: string[] = [];
    for (const file of sources(root)) {
      const from = unitOf(file);
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = resolve(dirname(file), spec as string);
        if (!target.startsWith(root)) continue; // protocol, outside the server
        const to = unitOf(target);
        if (to === from) continue;
        const [a, b] = [rankOf(from), rankOf(to)];
        // Beside is fine only at the top (the entry and the factory) and among the leaves.
        const beside = a === b && (a === 0 || a === LAYERS.length - 1);
        if (b < a || (b === a && !beside)) upward.push(`${relative(root, file)} -> ${spec}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
