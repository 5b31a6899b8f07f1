/** Contact details a visitor may give (in-chat form, `identify()`), validated the same on both sides. */
export interface ContactDetails {
  name?: string;
  email?: string;
  phone?: string;
}

export type ContactField = keyof ContactDetails;
export const CONTACT_FIELDS: readonly ContactField[] = ['name', 'email', 'phone'];

const RULES: Record<ContactField, { test: (v: string) => boolean; hint: string }> = {
  name: { test: (v) => v.length >= 1 && v.length <= 100, hint: '1 to 100 characters' },
  email: {
    test: (v) => v.length <= 254 && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(v),
    hint: 'an address like name@example.com',
  },
  phone: {
    test: (v) => /^\+?[0-9 ().-]{6,24}$/.test(v) && (v.match(/[0-9]/g)?.length ?? 0) >= 6,
    hint: 'at least 6 digits, optionally with + ( ) . - and spaces',
  },
};

export type ContactCheck =
  | { ok: true; value: ContactDetails }
  | { ok: false; errors: Partial<Record<ContactField, string>> };

/**
 * Trims and checks the given fields; absent or empty fields are left out. Unknown keys are ignored.
 *
 * @example validateContact({ email: ' ada@example.com ' }) // { ok: true, value: { email: 'ada@example.com' } }
 */
export function validateContact(input: unknown): ContactCheck {
  if (typeof input !== 'object' || input === null)
    return { ok: false, errors: { name: 'expected an object' } };
  const value: ContactDetails = {};
  const errors: Partial<Record<ContactField, string>> = {};
  for (const field of CONTACT_FIELDS) {
    const raw = (input as Record<string, unknown>)[field];
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'string') {
      errors[field] = 'must be text';
      continue;
    }
    const trimmed = raw.trim();
    if (trimmed === '') continue;
    if (RULES[field].test(trimmed)) value[field] = trimmed;
    else errors[field] = `must be ${RULES[field].hint}`;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value };
}
