// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { createJsonLogger, type LogLevel } from './logger.js';

/** A JSON logger writing into an array, and its lines parsed. */
function capture(level?: LogLevel, secrets: (string | undefined)[] = []) {
  const raw: string[] = [];
  const logger = createJsonLogger({
    level,
    secrets,
    destination: { write: (line) => void raw.push(line) },
  });
  const lines = () => raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, raw, lines };
}

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const API_KEY = 'api-key-fedcba9876543210';
const TOKEN = 'tok_V1StGXR8Z5jdHi6BmyT';
const CONTACT = { name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0958' };

describe('createJsonLogger', () => {
  it('writes one JSON object per line: level name, ISO time, message, fields', () => {
    const { logger, raw, lines } = capture();
    logger.info('LeFlux listening', { url: 'http://127.0.0.1:8787', port: 8787 });
    logger.warn('health check failed');
    expect(raw).toHaveLength(2);
    expect(raw.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(
      true,
    );
    const [info, warn] = lines();
    expect(info).toMatchObject({
      level: 'info',
      msg: 'LeFlux listening',
      url: 'http://127.0.0.1:8787',
      port: 8787,
      pid: process.pid,
    });
    expect(new Date(info!.time as string).toISOString()).toBe(info!.time);
    expect(warn).toMatchObject({ level: 'warn', msg: 'health check failed' });
    expect(warn).not.toHaveProperty('err');
  });

  it('writes errors with their kind, message, stack, causes and own fields', () => {
    const { logger, lines } = capture();
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    logger.error(
      'message log append failed',
      new ConfigError('DATABASE_URL', 'Invalid DATABASE_URL', { cause }),
      { sessionId: 's-123' },
    );
    const [line] = lines();
    expect(line).toMatchObject({
      level: 'error',
      msg: 'message log append failed',
      sessionId: 's-123',
    });
    expect(line!.err).toMatchObject({
      type: 'ConfigError',
      name: 'ConfigError',
      code: 'invalid_config',
      variable: 'DATABASE_URL',
      message: 'Invalid DATABASE_URL',
      stack: expect.stringMatching(/^ConfigError: Invalid DATABASE_URL\n\s+at /),
      cause: { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
    });
  });

  it('writes only what LOG_LEVEL lets through', () => {
    const warnOnly = capture('warn');
    warnOnly.logger.info('not written');
    warnOnly.logger.warn('written');
    warnOnly.logger.error('written too');
    expect(warnOnly.lines().map((l) => l.msg)).toEqual(['written', 'written too']);
    const silent = capture('silent');
    silent.logger.error('nothing');
    expect(silent.raw).toEqual([]);
  });

  it('never writes a session token, key, secret or contact detail, wherever it hides', () => {
    const { logger, raw, lines } = capture('info', [ADMIN_KEY, API_KEY, undefined]);
    const failure = Object.assign(
      new Error(`webhook answered 500 for {"token":"${TOKEN}","email":"${CONTACT.email}"}`, {
        cause: new Error(`GET /api/session/s1?token=${TOKEN} with key ${ADMIN_KEY}`),
      }),
      {
        sessionToken: TOKEN,
        request: {
          headers: {
            authorization: `Bearer ${API_KEY}`,
            'X-LeFlux-Admin-Key': ADMIN_KEY,
            'user-agent': 'test',
          },
          body: { text: 'call me', contact: CONTACT },
        },
        visitors: [{ ...CONTACT, sessionId: 's1' }],
      },
    );
    logger.error(`purge by ${ADMIN_KEY} failed for ${CONTACT.email}`, failure, {
      session: { id: 's1', token: TOKEN, siteKey: 'acme' },
      visitor: CONTACT,
      apiKey: API_KEY,
      databaseUrl: 'postgres://leflux:db-password-123@db.internal:5432/leflux',
    });
    const form = new URLSearchParams(CONTACT).toString();
    logger.warn('agent failed', `Authorization: Basic ${API_KEY}; POST /contact ${form}`);
    logger.info(`connecting to postgres://leflux:db-password-123@db.internal/leflux`);

    const output = raw.join('');
    for (const secret of [
      TOKEN,
      ADMIN_KEY,
      API_KEY,
      CONTACT.name,
      CONTACT.email,
      CONTACT.phone,
      'db-password-123',
    ]) {
      expect(output).not.toContain(secret);
    }
    // What is not secret stays readable.
    const [first, second, third] = lines();
    expect(first).toMatchObject({
      msg: 'purge by [redacted] failed for [redacted]',
      session: { id: 's1', token: '[redacted]', siteKey: 'acme' },
      visitor: { name: '[redacted]', email: '[redacted]', phone: '[redacted]' },
      apiKey: '[redacted]',
    });
    expect(first!.err).toMatchObject({
      type: 'Error',
      sessionToken: '[redacted]',
      request: {
        headers: {
          authorization: '[redacted]',
          'X-LeFlux-Admin-Key': '[redacted]',
          'user-agent': 'test',
        },
        body: { text: 'call me', contact: { name: '[redacted]', phone: '[redacted]' } },
      },
      visitors: [{ name: '[redacted]', sessionId: 's1' }],
      message: 'webhook answered 500 for {"token":"[redacted]","email":"[redacted]"}',
      cause: { message: 'GET /api/session/s1?token=[redacted] with key [redacted]' },
    });
    expect(second).toMatchObject({
      msg: 'agent failed',
      err: 'Authorization: Basic [redacted]; POST /contact name=[redacted]&email=[redacted]&phone=[redacted]',
    });
    expect(third!.msg).toBe('connecting to postgres://leflux:[redacted]@db.internal/leflux');
  });

  it('never writes a site identity secret or a userHash', () => {
    const secret = 'acme-identity-secret-0123';
    const hash = 'ab'.repeat(32);
    const { logger, raw, lines } = capture('info', [secret]);
    logger.warn(`session_init refused: {"identity":{"userId":"u-42","userHash":"${hash}"}}`, {
      identity: { userId: 'u-42', userHash: hash },
      site: { identitySecret: secret },
    });
    logger.info(`keyed by ${secret}`);
    expect(raw.join('')).not.toContain(secret);
    expect(raw.join('')).not.toContain(hash);
    expect(lines()[0]).toMatchObject({
      err: { identity: { userId: 'u-42', userHash: '[redacted]' } },
    });
  });

  it('survives what JSON cannot hold: cycles, bigints, buffers, functions', () => {
    const { logger, lines } = capture();
    const loop: Record<string, unknown> = { id: 'x' };
    loop.self = loop;
    logger.info('odd fields', { loop, big: 10n ** 20n, bytes: Buffer.from('abc'), fn: () => 1 });
    expect(lines()[0]).toMatchObject({
      loop: { id: 'x', self: '[circular]' },
      big: '100000000000000000000',
      bytes: '[3 bytes]',
    });
  });
});
