// Fails fast, in one line, when no Chromium is available for the end-to-end tests.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const candidates = [process.env.LEFLUX_CHROMIUM, '/usr/bin/chromium'];
let bundled = '';
try {
  bundled = chromium.executablePath();
} catch {
  // Playwright throws when it has no browser of its own for this platform.
}
if (!candidates.some((path) => path && existsSync(path)) && !(bundled && existsSync(bundled))) {
  console.error(
    'No Chromium found: on Debian/Ubuntu run `sudo apt-get install chromium`; elsewhere run `npx playwright install chromium`.',
  );
  process.exit(1);
}
