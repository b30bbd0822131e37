// Time from navigation to an interactive Like button: the client has loaded
// and hydrated the page's islands (the page's script marks <body
// data-hydrated> once it has). Prints the median of 5 cold loads, each in a
// fresh browser context.
//
// Usage: node bench/client.mjs http://127.0.0.1:3400/posts/1
import { createRequire } from 'node:module';

const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const url = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
});
const times = [];
for (let run = 0; run < 5; run++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.hasAttribute('data-hydrated')) {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  });
  await page.goto(url);
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  await page.getByRole('button', { name: 'Like' }).waitFor();
  times.push(await page.evaluate(() => window.__hydratedAt));
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(`INTERACTIVE ${times[2].toFixed(0)} ${times.map((t) => t.toFixed(0)).join(',')}`);
