// What a phone user waits for after a write that leads to another page: from
// the click until the page that shows the write is on screen, and how many
// requests the browser made in between. The network is slowed as Lighthouse
// slows its phone (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up), from
// the moment the page is live (the client loaded and every island hydrated)
// to the end of the run, so only the write and what follows it are slowed.
//
// Four writes, 5 runs each, on posts the script publishes itself:
//   publish          "Publish" on /posts/new, until the new post's heading shows;
//   save             "Save" on the edit form, until the post's new heading shows;
//   delete           "Delete" on the post's page, until the list shows "Post deleted";
//   delete-from-edit "Delete" on the edit form, the same.
//
// Prints, for each: WRITE <name> <median ms> <requests in the median run> <ms of each run>
// Exits non-zero when a write took more than one request (the check the
// figures stand on), or when its page never showed.
//
// Usage: node bench/writes.mjs http://127.0.0.1:3400
import { createRequire } from 'node:module';

const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const base = process.argv[2];
const runs = Number(process.env.BENCH_WRITE_RUNS ?? 5);
const slow4g = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
});
const context = await browser.newContext();
const page = await context.newPage();
page.setDefaultTimeout(20_000);
let failures = 0;

// Opens `path` at full speed, waits until every island on it is live, then
// slows the network.
async function open(path) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.goto(base + path);
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  await page.waitForFunction(() => [...document.querySelectorAll('leptos-island')].every((island) => island.bulletinHydrated));
  await cdp.send('Network.emulateNetworkConditions', slow4g);
  return cdp;
}

// Clicks `button` and waits until the page shows the write: `kind` "heading"
// (the main heading reads `text`) or "deleted" (the list with the flash).
// The time runs from the click to the first frame after the change (when it
// is painted); the requests counted are those started in between.
async function timed(button, kind, text = null) {
  await page.evaluate(
    ([kind, text]) => {
      window.__clickedAt = window.__shownAt = null;
      addEventListener('click', () => (window.__clickedAt ??= performance.now()), { capture: true, once: true });
      const shows = () =>
        kind === 'heading'
          ? document.querySelector('main h1')?.textContent === text
          : location.pathname === '/' && (document.querySelector('.flash')?.textContent ?? '').includes('Post deleted');
      new MutationObserver((_, observer) => {
        if (window.__clickedAt === null || !shows()) return;
        observer.disconnect();
        const changedAt = performance.now();
        requestAnimationFrame(() => (window.__shownAt = { changedAt, paintedAt: performance.now() }));
      }).observe(document, { childList: true, subtree: true, characterData: true });
    },
    [kind, text],
  );
  await button.click();
  await page.waitForFunction(() => window.__shownAt !== null);
  return page.evaluate(() => ({
    ms: window.__shownAt.paintedAt - window.__clickedAt,
    requests: performance
      .getEntriesByType('resource')
      .filter((entry) => entry.startTime >= window.__clickedAt && entry.startTime <= window.__shownAt.changedAt).length,
  }));
}

async function publish(title) {
  const cdp = await open('/posts/new');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Content').fill(`Written by bench/writes.mjs: ${title}`);
  const result = await timed(page.getByRole('button', { name: 'Publish' }), 'heading', title);
  await cdp.detach();
  return { ...result, id: Number(new URL(page.url()).pathname.split('/').pop()) };
}

const results = { publish: [], save: [], delete: [], 'delete-from-edit': [] };
for (let run = 0; run < runs; run++) {
  const stamp = `${Date.now()}-${run}`;
  const published = await publish(`Timed post ${stamp}`);
  results.publish.push(published);

  let cdp = await open(`/posts/${published.id}/edit`);
  await page.getByLabel('Title').fill(`Saved post ${stamp}`);
  results.save.push(await timed(page.getByRole('button', { name: 'Save' }), 'heading', `Saved post ${stamp}`));
  await cdp.detach();

  cdp = await open(`/posts/${published.id}`);
  results.delete.push(await timed(page.getByRole('button', { name: 'Delete' }), 'deleted'));
  await cdp.detach();

  const other = await publish(`Edited then deleted ${stamp}`);
  cdp = await open(`/posts/${other.id}/edit`);
  results['delete-from-edit'].push(await timed(page.getByRole('button', { name: 'Delete' }), 'deleted'));
  await cdp.detach();
}
await browser.close();

for (const [name, list] of Object.entries(results)) {
  const sorted = [...list].sort((a, b) => a.ms - b.ms);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`WRITE ${name} ${median.ms.toFixed(0)} ${median.requests} ${list.map((r) => r.ms.toFixed(0)).join(',')}`);
  const extra = list.filter((r) => r.requests !== 1);
  if (extra.length > 0) {
    console.log(`FAILED ${name}: ${extra.length} of ${list.length} runs took ${extra.map((r) => r.requests).join(', ')} requests, not 1`);
    failures++;
  }
}
process.exit(failures > 0 ? 1 : 0);
