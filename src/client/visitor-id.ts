import { nanoid } from 'nanoid';
import { ID_PATTERN } from '../protocol/index.js';

const COOKIE = 'leflux:visitorId';
const ONE_YEAR_S = 365 * 24 * 3600;

/**
 * The anonymous per-browser id (`leflux:visitorId` cookie, 1 year, no PII). Created on first use.
 * Returns undefined where cookies are unavailable; never called with `data-no-visitor-id`.
 */
export function visitorId(doc: Document | undefined = globalThis.document): string | undefined {
  if (!doc) return undefined;
  try {
    for (const part of doc.cookie.split(';')) {
      const [name, value] = part.trim().split('=');
      if (name === COOKIE && value && ID_PATTERN.test(value)) return value;
    }
    const id = nanoid();
    const secure = doc.location?.protocol === 'https:' ? '; Secure' : '';
    doc.cookie = `${COOKIE}=${id}; Max-Age=${ONE_YEAR_S}; Path=/; SameSite=Lax${secure}`;
    return id;
  } catch {
    // Sandboxed documents throw on `document.cookie`.
    return undefined;
  }
}
