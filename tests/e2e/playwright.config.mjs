// Playwright drives Debian's Chromium (never a downloaded browser) against the built site,
// which `cargo xtask test` serves under a sub-path and passes in KUBELAB_URL.
import { defineConfig } from '@playwright/test';

if (!process.env.KUBELAB_URL) {
  throw new Error('KUBELAB_URL is not set: run the browser tests with `cargo xtask test`.');
}

export default defineConfig({
  testDir: './specs',
  outputDir: '../../target/e2e/test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  reporter: [['list'], ['json']],
  use: {
    baseURL: process.env.KUBELAB_URL,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    },
    trace: 'retain-on-failure',
  },
});
