/**
 * The package as a user gets it: `npm pack`, installed from the tarball into a fresh project with
 * vite and typescript, then used as the README says — a Vite page importing `leflux`, a
 * type-checked .ts file, a Node server from `leflux/server` with an agent of its own, a chat
 * through it in Chromium, and the same with `npx leflux serve`. Packages come from the npm cache
 * (or the registry); `npm test` builds `dist/` first.
 */
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');
/** The versions the repository tests with, for the temporary project's installs. */
const versions = (
  JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  }
).devDependencies;

/** The environment of npm run by `npm test`, without what that npm told its scripts. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('npm_') || /^npm_config_(cache|nodedir|registry|userconfig)$/.test(key))
      env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command in `cwd`; resolves with its standard output, or rejects with all of it. */
async function sh(cwd: string, command: string, args: string[], env?: Record<string, string>) {
  try {
    const { stdout } = await run(command, args, {
      cwd,
      env: childEnv(env),
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`, {
      cause: error,
    });
  }
}

/** The same, for a command that must fail: resolves with its output and exit code. */
async function shFails(cwd: string, command: string, args: string[]) {
  try {
    await run(command, args, { cwd, env: childEnv() });
  } catch (error) {
    const {
      stdout = '',
      stderr = '',
      code,
    } = error as {
      stdout?: string;
      stderr?: string;
      code?: number;
    };
    return { output: `${stdout}${stderr}`, code };
  }
  throw new Error(`${command} ${args.join(' ')} succeeded in ${cwd}; it should have failed`);
}

const install = (cwd: string, ...specs: string[]) =>
  sh(cwd, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs]);

/** Starts a long-running process and resolves with the first match of `ready` in its output. */
function start(cwd: string, command: string, args: string[], ready: RegExp, env = {}) {
  // A process group of its own: `stop` ends npx and the server it started together.
  const child = spawn(command, args, { cwd, env: childEnv(env), stdio: 'pipe', detached: true });
  let output = '';
  const match = new Promise<RegExpMatchArray>((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = ready.exec(output);
      if (found) done(found);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => fail(new Error(`${command} exited (${code}):\n${output}`)));
  });
  // The pipes close once every process holding them is gone: npx, and the server it started.
  const closed = Promise.all(
    [child.stdout, child.stderr].map((stream) => new Promise((done) => stream.once('close', done))),
  );
  return { child, match, output: () => output, closed };
}

type Started = ReturnType<typeof start>;

/** Stops a process started by `start` with the processes it started, and waits for them all. */
async function stop({ child, closed }: Started) {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // The group is gone already.
    }
  }
  await closed;
}

/** Sends `text` through the widget on `page` and waits for the agent's answer. */
async function chat(page: Page, text: string) {
  await page.getByRole('button', { name: 'Open chat' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Message' }).fill(text);
  await dialog.getByRole('textbox', { name: 'Message' }).press('Enter');
  return dialog;
}

/** The page a Vite app builds: the README's few lines. */
const APP_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>Shop</h1><script type="module" src="/main.ts"></script></body></html>`;

const APP_MAIN = `import { createWidget } from 'leflux';

const widget = createWidget({ server: location.origin, siteKey: 'shop', title: 'Shop help' });
const unsubscribe = widget.on('message', (message) => console.log('message', message.author));
(window as unknown as { shop: unknown }).shop = { widget, unsubscribe };
`;

/** Public types used as an app would, and misuses that must not compile. */
const APP_TYPES = `import {
  createClient,
  createWidget,
  type ChatMessage,
  type ClientEvents,
  type LeFluxClient,
  type LeFluxSettings,
  type LeFluxWidget,
  type WidgetOptions,
  type WidgetUpdate,
} from 'leflux';

const options: WidgetOptions = { server: 'https://chat.example.com', theme: 'dark', strings: { send: 'Go' } };
const widget: LeFluxWidget = createWidget(options);
const off: () => void = widget.on('message', (message: ChatMessage) => message.text.toUpperCase());
off();
const change: WidgetUpdate = { title: 'Help', position: 'left' };
widget.update(change);
const client: LeFluxClient = createClient({ server: 'https://chat.example.com' });
const open: ClientEvents['open'] = undefined;
const settings: LeFluxSettings = { siteKey: 'acme', strings: { openChat: 'Talk to us' } };
window.LeFlux?.hide();
void [client, open, settings];

// @ts-expect-error a theme that does not exist
createWidget({ server: 'https://chat.example.com', theme: 'neon' });
// @ts-expect-error the server is required
createWidget({ siteKey: 'acme' });
// @ts-expect-error no such event
widget.on('mesage', () => {});
// @ts-expect-error update() takes the title, not the site key
widget.update({ siteKey: 'other' });
// @ts-expect-error strings are text
const badSettings: LeFluxSettings = { strings: { send: 42 } };
void badSettings;
`;

const SERVER_TYPES = `import { createServer } from 'node:http';
import {
  type Agent,
  createDisabledMessageLog,
  createLeFluxServer,
  createMemorySessionStore,
  type LeFluxServer,
  type MessageLog,
  type SessionStore,
} from 'leflux/server';

const agent: Agent = {
  async reply({ message, page }) {
    return { text: \`\${message.text} (from \${page.url})\` };
  },
};
const store: SessionStore = createMemorySessionStore({ idleTtlMs: 60_000 });
const log: MessageLog = createDisabledMessageLog();
const server: LeFluxServer = await createLeFluxServer({ agent, store, log, idleTtlMs: 60_000 });
const http = createServer((req, res) => server.handle(req, res, () => res.end('mine')));
server.attach(http);
await server.post('session-id', { text: 'Hello from an operator' });

// @ts-expect-error a reply is an object, not text
const badAgent: Agent = { reply: async () => 'hello' };
// @ts-expect-error post() needs text
await server.post('session-id', { name: 'Ada' });
void badAgent;
`;

/** A Node server on `leflux/server`: an agent of its own, LeFlux on the app's own HTTP server. */
const APP_SERVER = `import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { createLeFluxServer } from 'leflux/server';

const leflux = await createLeFluxServer({
  dbPath: process.env.LOG_FILE,
  agent: { reply: async ({ message }) => ({ text: 'Echo: ' + message.text }) },
});

/** The app's own routes: an operator endpoint, and the Vite build. */
async function app(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/operator') {
    const message = await leflux.post(url.searchParams.get('session'), { text: url.searchParams.get('text') });
    return res.end(JSON.stringify(message));
  }
  const file = join('dist', url.pathname === '/' ? 'index.html' : url.pathname);
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': extname(file) === '.html' ? 'text/html' : 'text/javascript' });
    res.end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
}

const http = createServer((req, res) => leflux.handle(req, res, () => app(req, res)));
leflux.attach(http);
http.listen(0, '127.0.0.1', () => console.log('app on http://127.0.0.1:' + http.address().port));
process.on('SIGTERM', async () => {
  await leflux.close();
  http.close();
  process.exit(0);
});
`;

test('the packed package installs in a fresh project and works as the README says', async ({
  page,
}) => {
  test.setTimeout(300_000);
  expect(
    existsSync(join(repo, 'dist/server/cli.js')),
    'dist/ is missing: run npm run build first (npm test does)',
  ).toBe(true);
  const work = mkdtempSync(join(tmpdir(), 'leflux-package-'));
  const running: Started[] = [];
  try {
    const tarball = await test.step('npm pack: the built files only', async () => {
      const json = await sh(repo, 'npm', [
        'pack',
        '--ignore-scripts',
        '--json',
        '--pack-destination',
        work,
      ]);
      const [packed] = JSON.parse(json) as [{ filename: string; files: { path: string }[] }];
      const files = packed.files.map((f) => f.path).sort();
      for (const wanted of [
        'LICENSE',
        'README.md',
        'package.json',
        'dist/widget.js',
        'dist/browser/index.js',
        'dist/server/index.js',
        'dist/server/cli.js',
        'dist/types/widget/index.d.ts',
        'dist/types/src/server/index.d.ts',
        'dist/demo/index.html',
        'dist/dashboard/index.html',
        'dist/dashboard/manifest.json',
      ]) {
        expect(files).toContain(wanted);
      }
      const stray = files.filter(
        (path) =>
          !['LICENSE', 'README.md', 'package.json'].includes(path) &&
          (!path.startsWith('dist/') ||
            /\.(test|spec)\./.test(path) ||
            /(^|\/)(e2e|bench|\.vite)\//.test(path) ||
            /\.(ts|tsx|map)$/.test(path.replace(/\.d\.ts$/, '.js')) ||
            path.endsWith('hostile.html')),
      );
      expect(stray).toEqual([]);
      return join(work, packed.filename);
    });

    await test.step('publint finds nothing in the tarball', async () => {
      const output = await sh(repo, 'npx', ['publint', 'run', tarball, '--strict']);
      expect(output).toContain('All good!');
    });

    const project = join(work, 'app');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'shop', private: true, type: 'module' }),
    );

    await test.step('a browser-only install: no server, no native binary, no Node types', async () => {
      await install(project, tarball, `vite@${versions.vite}`, `typescript@${versions.typescript}`);
      const installed = readdirSync(join(project, 'node_modules'));
      const scoped = (scope: string) =>
        installed.includes(scope)
          ? readdirSync(join(project, 'node_modules', scope)).map((name) => `${scope}/${name}`)
          : [];
      installed.push(...scoped('@socket.io'));
      for (const absent of [
        'socket.io',
        'engine.io',
        'pino',
        'prom-client',
        'rate-limiter-flexible',
        'ioredis',
        '@socket.io/redis-adapter',
        'libsql',
        '@libsql',
        'pg',
        '@types',
      ]) {
        expect(installed).not.toContain(absent);
      }
      // Importable in Node too (server-side rendering): no browser global is touched on import.
      const exports = await sh(project, 'node', [
        '--input-type=module',
        '-e',
        "const m = await import('leflux'); console.log(Object.keys(m).sort().join())",
      ]);
      expect(exports.trim()).toBe('LeFluxError,STORAGE_KEYS,createClient,createWidget');
    });

    await test.step('(1) vite builds a page doing import { createWidget } from "leflux"', async () => {
      writeFileSync(join(project, 'index.html'), APP_PAGE);
      writeFileSync(join(project, 'main.ts'), APP_MAIN);
      await sh(project, 'npx', ['vite', 'build', '--logLevel', 'warn']);
      expect(readdirSync(join(project, 'dist/assets')).some((f) => f.endsWith('.js'))).toBe(true);
    });

    await test.step('(2) the public types compile, and their misuses do not', async () => {
      writeFileSync(join(project, 'types.ts'), APP_TYPES);
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'ESNext',
            moduleResolution: 'bundler',
            lib: ['ES2022', 'DOM', 'DOM.Iterable'],
            // A browser app's types: nothing of Node may be needed by `leflux`'s.
            types: [],
            strict: true,
            noEmit: true,
          },
          files: ['types.ts'],
        }),
      );
      // Each @ts-expect-error line must be an error: a misuse that compiles fails this run.
      await sh(project, 'npx', ['tsc', '-p', 'tsconfig.json']);
      // And the misuses really are what fails: without the markers, each one is reported.
      writeFileSync(join(project, 'types.ts'), APP_TYPES.replaceAll('// @ts-expect-error', '//'));
      const { output } = await shFails(project, 'npx', ['tsc', '-p', 'tsconfig.json']);
      expect(output.match(/types\.ts\(\d+,\d+\): error/g)).toHaveLength(5);
    });

    await test.step('leflux/server names each missing optional dependency', async () => {
      const create = [
        '--input-type=module',
        '-e',
        "const { createLeFluxServer } = await import('leflux/server'); await createLeFluxServer();",
      ];
      const noServer = await shFails(project, 'node', create);
      expect(noServer.output).toContain(
        'the LeFlux server (leflux/server, npx leflux serve) needs the packages "socket.io", "prom-client", "pino", "rate-limiter-flexible", optional dependencies of leflux that are not installed: run `npm install socket.io@',
      );
      await install(
        project,
        `socket.io@${versions['socket.io']}`,
        `pino@${versions.pino}`,
        `prom-client@${versions['prom-client']}`,
        `rate-limiter-flexible@${versions['rate-limiter-flexible']}`,
        `@types/node@${versions['@types/node']}`,
      );
      const noLibsql = await shFails(project, 'node', create);
      expect(noLibsql.output).toContain(
        'the SQLite message log (LEFLUX_DB) needs the package "libsql", an optional dependency of leflux that is not installed',
      );
      const cli = await shFails(project, 'npx', ['leflux', 'serve', '--port', '0']);
      expect(cli.code).toBe(1);
      expect(cli.output).toMatch(/^leflux: the SQLite message log .* "libsql"/m);
      await install(project, `libsql@${versions.libsql}`);
    });

    await test.step('(2) the server types compile for Node (nodenext), and their misuses do not', async () => {
      writeFileSync(join(project, 'server-types.ts'), SERVER_TYPES);
      writeFileSync(
        join(project, 'tsconfig.server.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            types: ['node'],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
          },
          files: ['server-types.ts'],
        }),
      );
      await sh(project, 'npx', ['tsc', '-p', 'tsconfig.server.json']);
    });

    await test.step('(3)+(4) a Node server on leflux/server with its own agent; a chat through it in Chromium', async () => {
      writeFileSync(join(project, 'server.mjs'), APP_SERVER);
      const server = start(project, 'node', ['server.mjs'], /app on (http:\/\/\S+)/, {
        LOG_FILE: join(work, 'app.sqlite'),
      });
      running.push(server);
      const [, url] = await server.match;
      await page.goto(url!);
      const dialog = await chat(page, 'hello');
      await expect(dialog).toHaveAccessibleName('Shop help');
      await expect(dialog.locator('[data-author="agent"]')).toHaveText(['Echo: hello']);
      // post(): an operator's message reaches the open page at once.
      const sessionId = await page.evaluate(
        () =>
          (
            window as unknown as { shop: { widget: { getSession(): { id: string } } } }
          ).shop.widget.getSession().id,
      );
      const posted = await fetch(
        `${url}/operator?session=${sessionId}&text=${encodeURIComponent('An operator here')}`,
      );
      expect(posted.status).toBe(200);
      await expect(dialog.locator('[data-author="agent"]')).toHaveText([
        'Echo: hello',
        'An operator here',
      ]);
      await stop(server);
      // The default message log is the SQLite file it was given.
      expect(existsSync(join(work, 'app.sqlite'))).toBe(true);
    });

    await test.step('the same chat with npx leflux serve --demo, from the package’s own files', async () => {
      const cli = start(
        project,
        'npx',
        ['leflux', 'serve', '--port', '0', '--demo'],
        /LeFlux listening on (http:\/\/[\w.:[\]-]+)/,
        { LEFLUX_DB: join(work, 'cli.sqlite') },
      );
      running.push(cli);
      const [, url] = await cli.match;
      await page.goto(`${url}/`);
      const dialog = await chat(page, 'hello');
      await expect(dialog.locator('[data-author="agent"]')).toHaveCount(1);
      await expect(dialog.locator('[data-author="agent"]')).toContainText('LeFlux demo assistant');
      // The dashboard's sign-in page comes with the package too.
      const signIn = await fetch(`${url}/dashboard`);
      expect([signIn.status, await signIn.text()]).toEqual([
        200,
        expect.stringContaining('LeFlux dashboard'),
      ]);
      await stop(cli);
      expect(cli.output()).toContain('SIGTERM received, closing');
    });
  } finally {
    await Promise.all(running.map(stop));
    rmSync(work, { recursive: true, force: true });
  }
});
