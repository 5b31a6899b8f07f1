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
    expect(() => ensureOptional({ name: 'socket.io', feature: 'x' })).not.toThrow();
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
      /needs the package "libsql", which is installed but does not load \(Cannot find module '@libsql\/linux-x64-gnu'\)\. Reinstall it .*--omit=optional/,
    );
  });

  it('checks one without loading it, with the same message', () => {
    const socketIo = { name: 'socket.io', feature: 'the LeFlux server' };
    expect(() =>
      ensureOptional(socketIo, () => {
        throw notFound('socket.io');
      }),
    ).toThrow(
      'the LeFlux server needs the package "socket.io", an optional dependency of leflux that is not installed: run `npm install socket.io@"^4.8.0"`.',
    );
    // A dotted name is matched literally: "socketXio" is not "socket.io".
    expect(() =>
      ensureOptional(socketIo, () => {
        throw notFound('socketXio');
      }),
    ).toThrow(/installed but does not load/);
  });
});
