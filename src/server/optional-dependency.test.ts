import { describe, expect, it } from 'vitest';
import { ensureOptional, loadOptional, MissingDependencyError } from './optional-dependency.js';

const libsql = {
  name: 'libsql',
  feature: 'the SQLite message log (LEFLUX_DB)',
  otherwise: 'or set LEFLUX_MESSAGE_LOG=off',
};

/** What Node throws for a package that is not there, word for word. */
function notFound(name: string, code = 'MODULE_NOT_FOUND'): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- /app/x.js`), {
    code,
  });
}

describe('optional dependencies', () => {
  it('loads one that is there', () => {
    expect(loadOptional({ name: 'libsql', feature: 'x' })).toBeTypeOf('function');
  });

  it('names a missing one, the feature that needs it and the command that installs it', () => {
    const error = (() => {
      try {
        loadOptional(libsql, () => {
          throw notFound('libsql');
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect(error).toMatchObject({ code: 'missing_dependency', dependency: 'libsql' });
    // The range comes from package.json's peerDependencies.
    expect((error as Error).message).toBe(
      'the SQLite message log (LEFLUX_DB) needs the package "libsql", an optional dependency of leflux that is not installed: run `npm install libsql@"^0.5.29"`, or set LEFLUX_MESSAGE_LOG=off.',
    );
  });

  it('tells a package that is installed but does not load (its native binary left out) from a missing one', () => {
    const load = () => {
      throw notFound('@libsql/linux-x64-gnu');
    };
    expect(() => loadOptional(libsql, load)).toThrow(
      /needs the package "libsql", which is installed but does not load \(Cannot find module '@libsql\/linux-x64-gnu'\)\. Reinstall it .*--omit=optional leaves prebuilt binaries out/,
    );
  });

  it('checks several without loading them, and names every missing one in one command', () => {
    const absent = new Set(['socket.io', 'prom-client']);
    const resolve = (name: string) => {
      if (absent.has(name)) throw notFound(name);
    };
    expect(() => ensureOptional('the LeFlux server', ['socket.io', 'pino'], resolve)).toThrow(
      'the LeFlux server needs the package "socket.io", an optional dependency of leflux that is not installed: run `npm install socket.io@"^4.8.4"`.',
    );
    expect(() =>
      ensureOptional('the LeFlux server', ['socket.io', 'pino', 'prom-client'], resolve),
    ).toThrow(
      'the LeFlux server needs the packages "socket.io", "prom-client", optional dependencies of leflux that are not installed: run `npm install socket.io@"^4.8.4" prom-client@"^15.1.3"`.',
    );
    expect(() => ensureOptional('the LeFlux server', ['socket.io', 'pino'])).not.toThrow();
    // A dotted name is matched literally: "socketXio" missing is not "socket.io" missing.
    expect(() =>
      ensureOptional('the LeFlux server', ['socket.io'], () => {
        throw notFound('socketXio');
      }),
    ).toThrow(/installed but does not load/);
  });
});
