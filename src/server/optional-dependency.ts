import { createRequire } from 'node:module';

/**
 * The server's heavy or native dependencies are optional peer dependencies of the package, so an
 * app that only uses the browser SDK installs none of them. A feature that needs one loads it
 * here, when it starts, and a missing one is reported by name with the command that installs it.
 *
 * `require` (not `import()`): callers stay synchronous, and on Node >= 20.19 it loads ES modules
 * too. It resolves from this file, so from wherever the `leflux` package is installed.
 */
const require = createRequire(import.meta.url);

/** A feature needs an optional dependency that is not installed, or that is but does not load. */
export class MissingDependencyError extends Error {
  readonly code = 'missing_dependency';
  override readonly name = 'MissingDependencyError';

  constructor(
    /** The package, e.g. `libsql`. */
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface OptionalDependency {
  /** The package name. */
  name: string;
  /** What needs it, for the message: "the SQLite message log (LEFLUX_DB)". */
  feature: string;
  /** What to do instead, if anything: "or set LEFLUX_MESSAGE_LOG=off". */
  otherwise?: string;
}

/** pino, for the server's JSON logger (its default one). */
export const PINO: OptionalDependency = {
  name: 'pino',
  feature: "the server's JSON logger",
  otherwise: 'or pass a logger of your own (the `logger` option)',
};

/** The version range `package.json` declares for `name` (what the message tells to install). */
function declaredRange(name: string): string | undefined {
  try {
    // The same two levels up from src/server/ and from the build's dist/server/.
    const manifest = require('../../package.json') as { peerDependencies?: Record<string, string> };
    return manifest.peerDependencies?.[name];
  } catch {
    return undefined;
  }
}

/** Whether `error` says that `name` itself cannot be found (not something it requires). */
function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    // "Cannot find module 'libsql'" (require) / "Cannot find package 'libsql'" (import).
    new RegExp(
      `Cannot find (module|package) '${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`,
    ).test(message)
  );
}

function failure(dependency: OptionalDependency, cause: unknown): MissingDependencyError {
  const { name, feature, otherwise } = dependency;
  const range = declaredRange(name);
  const install = `npm install ${name}${range ? `@"${range}"` : ''}`;
  const tail = otherwise ? `, ${otherwise}` : '';
  if (isMissing(cause, name)) {
    return new MissingDependencyError(
      name,
      `${feature} needs the package "${name}", an optional dependency of leflux that is not installed: run \`${install}\`${tail}.`,
      { cause },
    );
  }
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new MissingDependencyError(
    name,
    `${feature} needs the package "${name}", which is installed but does not load (${reason}). Reinstall it (\`${install}\`; an install with --omit=optional leaves prebuilt binaries out, such as libsql's)${tail}.`,
    { cause },
  );
}

/**
 * Loads an optional dependency, or throws a `MissingDependencyError` naming it and the install
 * command. `load` is for tests.
 *
 * @example
 * const Database = loadOptional<typeof import('libsql')>({ name: 'libsql', feature: 'the SQLite message log' });
 */
export function loadOptional<T>(
  dependency: OptionalDependency,
  load: (name: string) => unknown = require,
): T {
  try {
    return load(dependency.name) as T;
  } catch (cause) {
    throw failure(dependency, cause);
  }
}

/**
 * Checks that optional dependencies can be found, without loading them (for those that modules
 * import statically, which are then imported only after this check). All the missing ones are
 * named at once, with one command that installs them. `resolve` is for tests.
 *
 * @example ensureOptional('the LeFlux server', ['socket.io', 'prom-client'])
 */
export function ensureOptional(
  feature: string,
  names: readonly string[],
  resolve: (name: string) => unknown = require.resolve,
): void {
  const missing: string[] = [];
  for (const name of names) {
    try {
      resolve(name);
    } catch (cause) {
      if (!isMissing(cause, name)) throw failure({ name, feature }, cause);
      missing.push(name);
    }
  }
  if (missing.length === 0) return;
  const install = missing.map((name) => {
    const range = declaredRange(name);
    return range ? `${name}@"${range}"` : name;
  });
  const list = missing.map((name) => `"${name}"`).join(', ');
  throw new MissingDependencyError(
    missing.join(', '),
    `${feature} needs ${missing.length > 1 ? 'the packages' : 'the package'} ${list}, ${
      missing.length > 1 ? 'optional dependencies' : 'an optional dependency'
    } of leflux that ${missing.length > 1 ? 'are' : 'is'} not installed: run \`npm install ${install.join(' ')}\`.`,
  );
}
