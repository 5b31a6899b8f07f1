import { describe, expect, it } from 'vitest';
import {
  describeDatabaseUrl,
  describeRedisUrl,
  maskPassword,
  parseDatabaseUrl,
  parseRedisUrl,
} from './service-url.js';

describe('service URLs', () => {
  it('describe a database or a Redis without the password or the query', () => {
    expect(describeDatabaseUrl('postgres://leflux:secret@db:5432/chat?sslmode=require')).toBe(
      'postgres://leflux@db:5432/chat',
    );
    expect(describeRedisUrl('rediss://leflux:secret@cache:6380/2')).toBe(
      'rediss://leflux@cache:6380/2',
    );
    expect(describeRedisUrl('redis://:secret@cache')).toBe('redis://cache');
  });

  it('read each service only with its own schemes and paths', () => {
    expect(parseDatabaseUrl('postgresql://db/leflux')?.hostname).toBe('db');
    expect(parseDatabaseUrl('redis://db/0')).toBeUndefined();
    expect(parseRedisUrl('postgres://cache/0')).toBeUndefined();
    // Redis databases are numbers.
    expect(parseRedisUrl('redis://cache/leflux')).toBeUndefined();
    expect(parseRedisUrl('redis://cache:0')).toBeUndefined();
    expect(parseDatabaseUrl('postgres://db/le flux')).toBeUndefined();
  });

  it('name an unreadable URL without echoing it', () => {
    expect(describeDatabaseUrl('postgres//leflux:hunter2@db')).toBe('an invalid PostgreSQL URL');
    expect(describeRedisUrl('redis://:hunter2@')).toBe('an invalid Redis URL');
    expect(maskPassword('postgres//leflux:hunter2@db/leflux')).toBe(
      'postgres//leflux:***@db/leflux',
    );
  });
});
