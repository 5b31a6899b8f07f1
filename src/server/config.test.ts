// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      storeKind: 'memory',
      redisUrl: undefined,
      dbPath: './data/leflux.sqlite',
      idleTtlMs: 1_800_000,
      taskHoldMs: 30_000,
      waitTtlMs: 600_000,
      crawl: true,
      adminKey: undefined,
      messageLog: true,
      demo: false,
      agentTimeoutMs: 15_000,
      sweepIntervalMs: 60_000,
    });
    expect(config.widgetFile).toMatch(/[/\\]dist[/\\]widget\.js$/);
    expect(config.demoDir).toMatch(/[/\\]demo$/);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      LEFLUX_DB: ':memory:',
      LEFLUX_IDLE_TTL_MS: '4000',
      LEFLUX_TASK_HOLD_MS: '500',
      LEFLUX_WAIT_TTL_MS: '60000',
      LEFLUX_CRAWL: 'off',
      LEFLUX_ADMIN_KEY: 'k'.repeat(16),
      LEFLUX_MESSAGE_LOG: 'off',
      LEFLUX_DEMO: 'on',
      LEFLUX_AGENT_TIMEOUT_MS: '2000',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      dbPath: ':memory:',
      idleTtlMs: 4000,
      taskHoldMs: 500,
      waitTtlMs: 60_000,
      crawl: false,
      adminKey: 'k'.repeat(16),
      messageLog: false,
      demo: true,
      agentTimeoutMs: 2000,
      sweepIntervalMs: 2000,
    });
  });

  it('turns the demo on by default only when asked (npm start), and LEFLUX_DEMO=off wins', () => {
    expect(loadConfig({}).demo).toBe(false);
    expect(loadConfig({}, { demo: true }).demo).toBe(true);
    expect(loadConfig({ LEFLUX_DEMO: 'off' }, { demo: true }).demo).toBe(false);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', LEFLUX_MESSAGE_LOG: ' ' })).toMatchObject({
      port: 8787,
      messageLog: true,
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['HOST', 'local host'],
    ['LEFLUX_STORE', 'postgres'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['LEFLUX_IDLE_TTL_MS', '0'],
    ['LEFLUX_IDLE_TTL_MS', '30m'],
    ['LEFLUX_TASK_HOLD_MS', '1e3'],
    ['LEFLUX_MESSAGE_LOG', 'yes'],
    ['LEFLUX_WAIT_TTL_MS', '999'],
    ['LEFLUX_CRAWL', 'true'],
    ['LEFLUX_DEMO', 'yes'],
    ['LEFLUX_AGENT_URL', 'ftp://bot.example/'],
    ['LEFLUX_AGENT_URL', 'not a url'],
    ['LEFLUX_AGENT_TIMEOUT_MS', '99'],
    ['LEFLUX_AGENT_TIMEOUT_MS', 'soon'],
    ['LEFLUX_LIMIT_MESSAGES', '60'],
    ['LEFLUX_LIMIT_MESSAGES', '60/minute'],
    ['LEFLUX_LIMIT_SESSION_STARTS', '0/1m'],
    ['LEFLUX_LIMIT_RESTORES', '10/0s'],
    ['LEFLUX_LIMIT_MISSES', '10/2d'],
    ['LEFLUX_MAX_SESSIONS', '0'],
    ['LEFLUX_TRUSTED_PROXIES', 'yes'],
  ])('rejects %s=%s naming the variable and the value', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.code).toBe('invalid_config');
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).toContain(JSON.stringify(value));
  });

  it('has limits that never bother a visitor by default, and reads each one', () => {
    expect(loadConfig({})).toMatchObject({
      limits: {
        sessionStarts: { points: 30, durationSec: 60 },
        messages: { points: 60, durationSec: 60 },
        restores: { points: 120, durationSec: 60 },
        purges: { points: 30, durationSec: 60 },
        misses: { points: 100, durationSec: 600, blockSec: 600 },
      },
      maxSessions: 20_000,
      trustedProxies: 0,
    });
    const config = loadConfig({
      LEFLUX_LIMIT_SESSION_STARTS: '5/10s',
      LEFLUX_LIMIT_MESSAGES: 'off',
      LEFLUX_LIMIT_RESTORES: '1000/1h',
      LEFLUX_LIMIT_PURGES: '3/2m',
      LEFLUX_LIMIT_MISSES: '20/5m',
      LEFLUX_MAX_SESSIONS: '500',
      LEFLUX_TRUSTED_PROXIES: '1',
    });
    expect(config.limits).toEqual({
      sessionStarts: { points: 5, durationSec: 10 },
      messages: null,
      restores: { points: 1000, durationSec: 3600 },
      purges: { points: 3, durationSec: 120 },
      // Once over, an address that guesses ids is blocked for the window.
      misses: { points: 20, durationSec: 300, blockSec: 300 },
    });
    expect(config).toMatchObject({ maxSessions: 500, trustedProxies: 1 });
  });

  it('rejects a short admin key without printing it', () => {
    const error = configError({ LEFLUX_ADMIN_KEY: 'hunter2' });
    expect(error.variable).toBe('LEFLUX_ADMIN_KEY');
    expect(error.message).toContain('LEFLUX_ADMIN_KEY');
    expect(error.message).not.toContain('hunter2');
  });

  it('reads the webhook agent and the operator API key', () => {
    expect(
      loadConfig({
        LEFLUX_AGENT_URL: 'https://bot.example/leflux',
        LEFLUX_AGENT_SECRET: 's'.repeat(16),
        LEFLUX_API_KEY: 'a'.repeat(16),
      }),
    ).toMatchObject({
      agentUrl: 'https://bot.example/leflux',
      agentSecret: 's'.repeat(16),
      apiKey: 'a'.repeat(16),
    });
  });

  it('refuses the webhook URL without its secret, naming the secret', () => {
    const error = configError({ LEFLUX_AGENT_URL: 'https://bot.example/leflux' });
    expect(error.variable).toBe('LEFLUX_AGENT_SECRET');
    expect(error.message).toContain('LEFLUX_AGENT_SECRET');
  });

  it.each(['LEFLUX_AGENT_SECRET', 'LEFLUX_API_KEY'])(
    'rejects a short %s without printing it',
    (name) => {
      const error = configError({ LEFLUX_AGENT_URL: 'https://bot.example/', [name]: 'hunter2' });
      expect(error.variable).toBe(name);
      expect(error.message).not.toContain('hunter2');
    },
  );

  it('requires REDIS_URL with LEFLUX_STORE=redis', () => {
    const error = configError({ LEFLUX_STORE: 'redis' });
    expect(error.variable).toBe('REDIS_URL');
    expect(error.message).toContain('LEFLUX_STORE=redis');
  });

  it('reads the Redis store, its URL and its key prefix', () => {
    expect(
      loadConfig({
        LEFLUX_STORE: 'redis',
        REDIS_URL: 'rediss://leflux:secret@cache.internal:6380/2',
        LEFLUX_REDIS_PREFIX: 'chat-eu:',
      }),
    ).toMatchObject({
      storeKind: 'redis',
      redisUrl: 'rediss://leflux:secret@cache.internal:6380/2',
      redisPrefix: 'chat-eu:',
    });
    expect(loadConfig({ LEFLUX_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1' })).toMatchObject({
      redisPrefix: 'leflux:',
    });
  });

  it.each(['redis://:hunter2@', 'redis//:hunter2@cache:6379', 'redis://:hunter2@cache:6379/x'])(
    'rejects REDIS_URL=%s without printing its password',
    (value) => {
      const error = configError({ REDIS_URL: value });
      expect(error.variable).toBe('REDIS_URL');
      expect(error.message).not.toContain('hunter2');
    },
  );

  it.each(['has space', 'x'.repeat(65), 'a/b'])('rejects LEFLUX_REDIS_PREFIX=%s', (value) => {
    expect(configError({ LEFLUX_REDIS_PREFIX: value }).variable).toBe('LEFLUX_REDIS_PREFIX');
  });
});

describe('loadConfig: message log database, logs and metrics', () => {
  it('defaults to SQLite, info logs and no metrics server', () => {
    expect(loadConfig({})).toMatchObject({
      databaseUrl: undefined,
      logLevel: 'info',
      metricsPort: undefined,
    });
  });

  it('reads DATABASE_URL, LOG_LEVEL and LEFLUX_METRICS_PORT', () => {
    const url = 'postgresql://leflux:s3cret@db.internal:5432/leflux?sslmode=require';
    expect(
      loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'debug', LEFLUX_METRICS_PORT: '9464' }),
    ).toMatchObject({ databaseUrl: url, logLevel: 'debug', metricsPort: 9464 });
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/leflux' }).databaseUrl).toBe(
      'postgres://localhost/leflux',
    );
    expect(loadConfig({ LOG_LEVEL: 'silent', LEFLUX_METRICS_PORT: '0' })).toMatchObject({
      logLevel: 'silent',
      metricsPort: 0,
    });
  });

  it('rejects a DATABASE_URL that is not a postgres URL, naming it but never its password', () => {
    for (const bad of [
      'mysql://leflux:pw@db/leflux',
      'db.internal:5432/leflux',
      'postgres://',
      'postgres://leflux:hunter2@:5432/leflux',
      'postgres://leflux:hunter2@db:99999/leflux',
      'postgres//leflux:hunter2@db/leflux',
      'postgres:/leflux:hunter2@db/leflux',
      'postgres://leflux:hunter2@db:5432/leflux extra',
      ' https://leflux:pass:hunter2@db',
    ]) {
      const error = configError({ DATABASE_URL: bad });
      expect(error.variable).toBe('DATABASE_URL');
      expect(error.message).toMatch(
        /^Invalid DATABASE_URL=.*: expected a postgres:\/\/ or postgresql:\/\/ URL/,
      );
      expect(error.message).not.toContain('hunter2');
      expect(error.message).not.toContain(':pw@');
    }
  });

  it('rejects an unknown LOG_LEVEL, listing the levels', () => {
    const error = configError({ LOG_LEVEL: 'verbose' });
    expect(error.variable).toBe('LOG_LEVEL');
    expect(error.message).toBe(
      'Invalid LOG_LEVEL="verbose": expected "fatal" or "error" or "warn" or "info" or "debug" or "trace" or "silent".',
    );
  });

  it('rejects a bad LEFLUX_METRICS_PORT, and the public port', () => {
    expect(configError({ LEFLUX_METRICS_PORT: 'http' }).message).toBe(
      'Invalid LEFLUX_METRICS_PORT="http": expected an integer from 0 to 65535.',
    );
    expect(configError({ LEFLUX_METRICS_PORT: '70000' }).variable).toBe('LEFLUX_METRICS_PORT');
    expect(configError({ PORT: '9000', LEFLUX_METRICS_PORT: '9000' }).message).toMatch(
      /LEFLUX_METRICS_PORT=9000: it is PORT too/,
    );
    expect(configError({ LEFLUX_METRICS_PORT: '8787' }).variable).toBe('LEFLUX_METRICS_PORT');
  });
});
