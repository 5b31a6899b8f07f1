import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/chromium.js';

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  forbidOnly: Boolean(process.env.CI),
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list'], ['./e2e/summary-reporter.ts']],
  use: {
    browserName: 'chromium',
    trace: 'retain-on-failure',
    launchOptions: chromiumLaunchOptions(),
  },
  // The fault suite is a project of its own, so that `npm run test:chaos` can run it alone (in its
  // full form, LEFLUX_CHAOS=full) while `npm test` runs every project, the suite in its short form.
  projects: [
    { name: 'e2e', testIgnore: 'chaos/**' },
    { name: 'chaos', testDir: 'e2e/chaos' },
  ],
});
