import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSize } from './gzip-size.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A language's strings chunk (`strings-fr-<hash>.js`): a visitor downloads one of them at most. */
const LANGUAGE_CHUNK = /^leflux\/strings-[a-z]+-[A-Za-z0-9_-]+\.js$/;

interface ManifestChunk {
  file: string;
  name?: string;
  imports?: string[];
}

/**
 * The widget's built files with their gzip sizes, and three sums of them:
 * - `beforeLauncher`: what loads before the launcher shows (`widget.js`, the embed module and
 *   its static imports);
 * - `plainChat`: what a visitor who opens the window, sends and reads an answer has downloaded
 *   (the above, the chat chunk and the socket's chunk, with their static imports), in English;
 *   the parts such a chat does not use (page steps, contact form, menu, long-polling, other
 *   languages) load on demand and are `onDemand`;
 * - `total`: every file, with one language chunk (the largest): what a visitor who uses it all
 *   downloads.
 */
export function measureWidgetFiles(dist = join(root, 'dist')) {
  const files = new Map<string, number>();
  const read = (rel: string) => {
    const bytes = readFileSync(join(dist, rel));
    files.set(rel, gzipSize(bytes));
    return bytes.toString('utf8');
  };
  read('widget.js');
  for (const name of readdirSync(join(dist, 'leflux')))
    if (name.endsWith('.js')) read(`leflux/${name}`);
  // Follow a module's static imports (`from"./x.js"` / `import"./x.js"`); dynamic ones load later.
  const loaded = new Set(['widget.js']);
  const visit = (rel: string) => {
    if (loaded.has(rel)) return;
    loaded.add(rel);
    const code = readFileSync(join(dist, rel), 'utf8');
    for (const [, spec] of code.matchAll(/(?:from|import)\s*["'](\.\/[^"']+)["']/g)) {
      visit(`leflux/${spec!.slice(2)}`);
    }
  };
  // The entry's name is hashed; the build's manifest says which file it is.
  const manifest = JSON.parse(readFileSync(join(dist, 'leflux/.vite/manifest.json'), 'utf8')) as {
    'widget/embed.ts': { file: string };
  };
  visit(`leflux/${manifest['widget/embed.ts'].file}`);
  const beforeLauncher = new Set(loaded);
  // The chat chunk, and the socket's (the chunk named `socket` in vite.config.ts).
  const chunks = manifest as unknown as Record<string, ManifestChunk>;
  const chat = chunks['widget/create-widget.ts'];
  const socket = Object.values(chunks).find((c) => c.name === 'socket');
  if (!chat || !socket) throw new Error('the build has no chat or socket chunk');
  visit(`leflux/${chat.file}`);
  visit(`leflux/${socket.file}`);
  const plainChat = loaded;
  const sum = (names: Iterable<string>) => [...names].reduce((n, f) => n + (files.get(f) ?? 0), 0);
  const languages = new Set([...files.keys()].filter((f) => LANGUAGE_CHUNK.test(f)));
  const english = sum([...files.keys()].filter((f) => !languages.has(f)));
  const largestLanguage = Math.max(0, ...[...languages].map((f) => files.get(f)!));
  return {
    files,
    critical: beforeLauncher,
    plainChatFiles: plainChat,
    languages,
    beforeLauncher: sum(beforeLauncher),
    plainChat: sum(plainChat),
    /** What a visitor who chats downloads, in the language with the largest chunk. */
    total: english + largestLanguage,
    /** The same in English, whose strings are in embed.js. */
    totalEnglish: english,
  };
}
