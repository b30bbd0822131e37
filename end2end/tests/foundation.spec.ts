import { test, expect, jsEnabled, hydrated } from './fixtures';

test('the home page renders with status 200', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle('Latest posts · bulletin');
  await expect(page.getByRole('heading', { level: 1, name: 'Latest posts' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'bulletin' })).toHaveAttribute('href', '/');
});

test('the home page hydrates without console errors or hydration warnings', async ({ page }, testInfo) => {
  await page.goto('/');
  if (jsEnabled(testInfo)) {
    await hydrated(page);
  } else {
    // Without JavaScript the server's HTML is the whole page, and it is
    // complete: the list (or its empty state) is there, no loading spinner.
    await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
  }
  await expect(page.getByText('Loading posts…')).toHaveCount(0);
  // Failing console messages are checked by the fixture after the test.
});

test('an unknown address is the 404 page with status 404', async ({ page, consoleWatch }, testInfo) => {
  // The browser reports the 404 of the document itself; that one is expected.
  consoleWatch.allow(/Failed to load resource: the server responded with a status of 404/);
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  if (jsEnabled(testInfo)) {
    await hydrated(page);
  }
  await page.getByRole('link', { name: 'Back to the latest posts' }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Latest posts' })).toBeVisible();
});

test('the client files are fingerprinted, compressed and cached for a year', async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), 'without JavaScript the client is never loaded');
  const files = new Map<string, { cacheControl: string | null; encoding: string | null }>();
  page.on('response', async (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith('/pkg/')) {
      files.set(path, {
        cacheControl: await response.headerValue('cache-control'),
        encoding: await response.headerValue('content-encoding'),
      });
    }
  });
  await page.goto('/');
  await hydrated(page);
  // The stylesheet is small enough to travel inside the page: no request
  // for it holds back the first paint.
  expect([...files.keys()].filter((p) => p.endsWith('.css'))).toEqual([]);
  expect(await page.locator('head style').count()).toBe(1);
  expect(await page.getByRole('banner').evaluate((el) => getComputedStyle(el).display)).toBe('flex');
  for (const [file, ext] of [['bulletin', 'js'], ['bulletin', 'wasm'], ['__wasm_split', 'js']]) {
    // `__wasm_split.<hash>.js`: the module that loads the lazy islands' parts.
    const name = new RegExp(`^/pkg/${file}\\.[A-Za-z0-9_-]+\\.${ext}$`);
    const path = [...files.keys()].find((p) => name.test(p));
    expect(path, `a fingerprinted ${file}.${ext} among ${[...files.keys()]}`).toBeDefined();
    expect(files.get(path!)?.cacheControl).toBe('public, max-age=31536000, immutable');
    if (ext !== 'wasm') {
      // The wasm is compressed ahead of time by release builds only.
      expect(files.get(path!)?.encoding, `${file}.${ext} compressed`).toBe('br');
    }
  }
});
