import { describe, expect, it } from 'vitest';
import { validateContact } from './contact.js';

describe('validateContact', () => {
  it('trims and keeps valid fields, leaves out empty ones', () => {
    expect(
      validateContact({ name: ' Ada ', email: 'ada@example.com', phone: '', extra: 1 }),
    ).toEqual({
      ok: true,
      value: { name: 'Ada', email: 'ada@example.com' },
    });
    expect(validateContact({ phone: '+33 (0)1 23 45 67 89' })).toEqual({
      ok: true,
      value: { phone: '+33 (0)1 23 45 67 89' },
    });
  });

  it.each([
    [{ email: 'ada@' }, 'email'],
    [{ email: 'a b@example.com' }, 'email'],
    [{ phone: '12345' }, 'phone'],
    [{ phone: 'call me' }, 'phone'],
    [{ name: 'x'.repeat(101) }, 'name'],
    [{ name: 42 }, 'name'],
  ])('refuses %j, naming the field', (input, field) => {
    const result = validateContact(input);
    expect(result.ok).toBe(false);
    expect(Object.keys(result.ok ? {} : result.errors)).toEqual([field]);
  });
});
