import { validatePrivacySettings } from '../../protocol/dashboard.js';
import type { SavedSiteSettings, SiteSettingsStoreOptions } from './settings-store.js';

/**
 * A row read back from a settings table, checked: its JSON must parse and validate, like a
 * `PUT` body. Undefined (reported through `onInvalid`) otherwise.
 */
export function readStoredRow(
  row: { site_key: string; settings: string; updated_at: number | string },
  { onInvalid }: SiteSettingsStoreOptions,
): SavedSiteSettings | undefined {
  let json: unknown;
  try {
    json = JSON.parse(row.settings);
  } catch {
    onInvalid?.(row.site_key, 'its settings are not JSON');
    return undefined;
  }
  const checked = validatePrivacySettings(json);
  if (!checked.ok) {
    onInvalid?.(row.site_key, checked.message);
    return undefined;
  }
  return { siteKey: row.site_key, settings: checked.value, updatedAt: Number(row.updated_at) };
}
