import { defineConfig } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Runs the server that `cargo leptos build` produced against a fresh SQLite
// file, and every spec twice: once in a browser with JavaScript (the hydrated
// app) and once without (plain HTML forms and links).
//
// The browser is Debian's chromium; Playwright never downloads one.

const port = Number(process.env.E2E_PORT ?? 3100);
const root = resolve(__dirname, '..');
// Set once in the main process; workers inherit it through the environment.
process.env.E2E_DB_DIR ??= mkdtempSync(join(tmpdir(), 'bulletin-e2e-'));
// A fresh cookie-signing key per run, so the server writes no key file into
// the working tree.
process.env.E2E_SECRET_KEY ??= randomBytes(32).toString('hex');

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Without the networking flags chromium stalls on connections this
      // machine refuses; without the sandbox flag it will not start as root.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'js', use: { javaScriptEnabled: true } },
    { name: 'no-js', use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: process.env.E2E_SERVER_BIN ?? join(root, 'target/debug/bulletin'),
    cwd: root,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: join(root, 'target/site'),
      DATABASE_URL: `sqlite://${join(process.env.E2E_DB_DIR, 'e2e.db')}`,
      BULLETIN_SECRET_KEY: process.env.E2E_SECRET_KEY,
      // Every page of every test opens its live stream from this one
      // address; the per-address bound is for the world's visitors.
      BULLETIN_LIVE_MAX_STREAMS_PER_ADDRESS: '1000',
      RUST_LOG: process.env.RUST_LOG ?? 'warn',
    },
  },
});
