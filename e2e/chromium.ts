import { existsSync } from 'node:fs';

/**
 * How this project launches Chromium, for the e2e tests and the benchmarks alike: Debian's
 * `/usr/bin/chromium` where present (this machine kind cannot download Playwright's own), else
 * `LEFLUX_CHROMIUM`, else Playwright's own browser.
 */
export const chromiumLaunchOptions = () => ({
  executablePath:
    process.env.LEFLUX_CHROMIUM ??
    (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined),
  // Needed as root in containers, and to keep Chromium off the (closed) network.
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
