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
  projects: [
    // One retry on CI: a timing slip on a loaded runner (two nodes, Redis and PostgreSQL beside
    // two Chromium workers) should not stop a landing; the summary names every test that needed
    // it, so a flaky test stays visible. A test failing twice still fails the run.
    {
      name: 'browser',
      testIgnore: [/package\.spec\.ts$/, 'chaos/**'],
      retries: process.env.CI ? 1 : 0,
    },
    // The fault suite: `npm test` runs it in its short form beside the others; `npm run
    // test:chaos` alone, in its full form (LEFLUX_CHAOS=full: the issue's figures, ~8 min).
    // No retry here: a message lost or doubled once in a few runs is the defect this suite hunts.
    { name: 'chaos', testDir: 'e2e/chaos' },
    // Packs and installs the package (npm, vite, tsc): CPU-heavy for a minute, so `npm test`
    // runs it on its own after the others (`test:package`), not beside their timed checks.
    { name: 'package', testMatch: /package\.spec\.ts$/ },
  ],
});
