import type { Page } from '@playwright/test';
import { test, expect, islandsLive, jsEnabled, open, uniqueTitle, markDocument, documentIsTheMarkedOne, viewsOf, shownPost } from './fixtures';

// Publishing, editing and deleting posts, run in both projects: with
// JavaScript the forms submit with fetch and the app navigates on the
// client; without it the browser posts the same forms and follows 303s.

/// Finds the link to `title` in the list on the current page, going further
/// down the list as a reader would (to the end of the page with JavaScript,
/// where more posts load; "Older posts" without), since tests running in
/// parallel publish posts too.
async function findInList(page: Page, title: string, js: boolean) {
  const link = page.getByRole('link', { name: title, exact: true });
  const posts = page.getByRole('article');
  for (let step = 0; step < 10 && (await link.count()) === 0; step++) {
    if (js) {
      const shown = await posts.count();
      await page.keyboard.press('End');
      await expect.poll(() => posts.count(), 'more posts load at the end of the list').toBeGreaterThan(shown);
    } else {
      await page.getByRole('link', { name: 'Older posts' }).click();
    }
  }
  return link;
}

/// Fills and submits the new-post form; returns the new post's path.
async function publish(page: Page, title: string, content: string): Promise<string> {
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Content').fill(content);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page).toHaveURL(/\/posts\/\d+$/);
  return new URL(page.url()).pathname;
}

test('publishing shows the post with its flash, and the list shows it', async ({ page }, testInfo) => {
  const title = uniqueTitle(testInfo, 'Published');
  await open(page, '/', testInfo);
  const js = jsEnabled(testInfo);
  if (js) await markDocument(page);

  await page.getByRole('link', { name: 'New post' }).click();
  await expect(page).toHaveURL('/posts/new');
  await expect(page.getByRole('heading', { level: 1, name: 'New post' })).toBeVisible();
  const path = await publish(page, title, 'First line\nSecond line <b>not bold</b>');

  await expect(page.getByRole('status')).toHaveText('Post published');
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  // The text as typed, markup and all: shown, not interpreted.
  const content = page.getByRole('article').getByText('Second line <b>not bold</b>');
  await expect(content).toHaveText('First line\nSecond line <b>not bold</b>');
  await expect(page.getByRole('article').locator('b')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Edit' })).toHaveAttribute('href', `${path}/edit`);
  await expect(page.getByRole('button', { name: 'Delete' })).toBeVisible();

  await page.getByRole('link', { name: 'bulletin' }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('status')).toHaveText('');
  await expect(await findInList(page, title, js)).toHaveAttribute('href', path);
  if (js) {
    expect(await documentIsTheMarkedOne(page), 'no full page load from the form to the list').toBe(true);
  }
});

test('the flash is shown once: a reload does not bring it back', async ({ page }, testInfo) => {
  await open(page, '/posts/new', testInfo);
  const path = await publish(page, uniqueTitle(testInfo, 'Flash once'), 'text');
  await expect(page.getByRole('status')).toHaveText('Post published');
  // Without JavaScript the flash came in a cookie, which the page that
  // showed it clears; the reload is sent once the browser has dropped it.
  const flashCookies = async () =>
    (await page.context().cookies()).filter((cookie) => cookie.name === 'bulletin_flash').length;
  await expect.poll(flashCookies, 'the page that showed the flash clears its cookie').toBe(0);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  expect(new URL(page.url()).pathname).toBe(path);
  await expect(page.getByRole('status')).toHaveText('');
});

test('every validation message appears next to its field and typed values survive', async ({ page }, testInfo) => {
  await open(page, '/posts/new', testInfo);
  const title = page.getByLabel('Title');
  const content = page.getByLabel('Content');
  const publishButton = page.getByRole('button', { name: 'Publish' });

  // Both fields empty (spaces only count as empty).
  await title.fill('   ');
  await content.fill('');
  await publishButton.click();
  // Each message is the field's accessible description, as a screen reader
  // announces it with the field.
  await expect(page.getByLabel('Title')).toHaveAccessibleDescription('Title is required');
  await expect(page.getByLabel('Content')).toHaveAccessibleDescription('Content is required');
  await expect(page).toHaveURL('/posts/new');
  await expect(page.getByLabel('Title')).toHaveAttribute('aria-invalid', 'true');

  // A title one character too long; the typed content is kept.
  const longTitle = 'T'.repeat(121);
  await page.getByLabel('Title').fill(longTitle);
  await page.getByLabel('Content').fill('Typed content\nkept');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByLabel('Title')).toHaveAccessibleDescription('Title must be at most 120 characters');
  await expect(page.getByLabel('Content')).toHaveAccessibleDescription('');
  await expect(page.getByText('Content is required')).toHaveCount(0);
  await expect(page.getByLabel('Content')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Title')).toHaveValue(longTitle);
  await expect(page.getByLabel('Content')).toHaveValue('Typed content\nkept');

  // Content one character too long; the typed title is kept.
  const keptTitle = uniqueTitle(testInfo, 'Too long');
  const longContent = 'c'.repeat(10_001);
  await page.getByLabel('Title').fill(keptTitle);
  await page.getByLabel('Content').fill(longContent);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByLabel('Content')).toHaveAccessibleDescription('Content must be at most 10000 characters');
  await expect(page.getByLabel('Title')).toHaveAccessibleDescription('');
  await expect(page.getByText('Title must be at most 120 characters')).toHaveCount(0);
  await expect(page.getByLabel('Title')).toHaveValue(keptTitle);
  await expect(page.getByLabel('Content')).toHaveValue(longContent);

  // Nothing was published.
  await open(page, '/', testInfo);
  await expect(page.getByRole('link', { name: keptTitle })).toHaveCount(0);
});

test('the author edits a post, then deletes it from the edit form', async ({ page, consoleWatch }, testInfo) => {
  await open(page, '/posts/new', testInfo);
  const original = uniqueTitle(testInfo, 'Before edit');
  const path = await publish(page, original, 'Original content');
  const js = jsEnabled(testInfo);
  if (js) await markDocument(page);

  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page).toHaveURL(`${path}/edit`);
  await expect(page.getByLabel('Title')).toHaveValue(original);
  await expect(page.getByLabel('Content')).toHaveValue('Original content');

  // A rejected save keeps what was typed.
  await page.getByLabel('Title').fill('');
  await page.getByLabel('Content').fill('Edited content');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Title')).toHaveAccessibleDescription('Title is required');
  await expect(page.getByLabel('Content')).toHaveValue('Edited content');

  const edited = uniqueTitle(testInfo, 'After edit');
  await page.getByLabel('Title').fill(edited);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(path);
  await expect(page.getByRole('status')).toHaveText('Post updated');
  await expect(page.getByRole('heading', { level: 1, name: edited })).toBeVisible();
  await expect(page.getByRole('article').getByText('Edited content', { exact: true })).toBeVisible();

  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page).toHaveURL(`${path}/edit`);
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('status')).toHaveText('Post deleted');
  await expect(page.getByRole('link', { name: edited })).toHaveCount(0);
  if (js) {
    expect(await documentIsTheMarkedOne(page), 'no full page load while editing and deleting').toBe(true);
  }

  // The browser reports the 404 of the deleted post's page; that one is expected.
  consoleWatch.allow(/Failed to load resource: the server responded with a status of 404/);
  const gone = await page.goto(path);
  expect(gone?.status()).toBe(404);
});

test('the author deletes a post from its page', async ({ page }, testInfo) => {
  await open(page, '/posts/new', testInfo);
  const title = uniqueTitle(testInfo, 'Delete from page');
  await publish(page, title, 'Short-lived');
  if (jsEnabled(testInfo)) {
    // The page counts its view as it starts; deleting the post first would
    // leave that request a 404, which the browser reports in the console.
    await expect(viewsOf(shownPost(page))).toHaveText('1 views');
  }
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('status')).toHaveText('Post deleted');
  await expect(page.getByRole('link', { name: title })).toHaveCount(0);
});

test('another visitor sees no Edit or Delete and cannot open the edit form', async ({ page, browser, baseURL }, testInfo) => {
  await open(page, '/posts/new', testInfo);
  const path = await publish(page, uniqueTitle(testInfo, 'Not yours'), 'Look, do not touch');

  const stranger = await browser.newContext({
    baseURL,
    javaScriptEnabled: jsEnabled(testInfo),
  });
  const theirs = await stranger.newPage();
  await theirs.goto(path);
  await expect(theirs.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(theirs.getByRole('link', { name: 'Edit' })).toHaveCount(0);
  await expect(theirs.getByRole('button', { name: 'Delete' })).toHaveCount(0);
  const edit = await theirs.goto(`${path}/edit`);
  expect(edit?.status()).toBe(403);
  await expect(theirs.getByRole('heading', { level: 1, name: 'Not allowed' })).toBeVisible();
  await expect(theirs.getByLabel('Title')).toHaveCount(0);
  await stranger.close();
});

/// Both submissions of a double click carry the form's submission key; the
/// server publishes once and answers the second with the same post. Without
/// JavaScript the browser posts the form twice.
test('a double click publishes one post', async ({ page }, testInfo) => {
  await open(page, '/posts/new', testInfo);
  const title = uniqueTitle(testInfo, 'Double click');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Content').fill('Once');
  await page.getByRole('button', { name: 'Publish' }).dblclick();
  await expect(page).toHaveURL(/\/posts\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await page.getByRole('link', { name: 'bulletin' }).click();
  await expect(page).toHaveURL('/');
  // Everything newer than the post is listed above it, a second copy included.
  await expect(await findInList(page, title, jsEnabled(testInfo))).toHaveCount(1);
});

test.describe('with JavaScript', () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, 'pending state and fetch submissions need JS');

  test('while publishing, the button is disabled and says so, and the form is busy', async ({ page }, testInfo) => {
    await open(page, '/posts/new', testInfo);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/create_post', async (route) => {
      await held;
      await route.continue();
    });
    const title = uniqueTitle(testInfo, 'Pending');
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Content').fill('Slow network');
    await page.getByRole('button', { name: 'Publish' }).click();

    const pendingButton = page.getByRole('button', { name: 'Publishing…' });
    await expect(pendingButton).toBeDisabled();
    await expect(page.getByRole('form', { name: 'New post' })).toHaveAttribute('aria-busy', 'true');
    release();
    await expect(page).toHaveURL(/\/posts\/\d+$/);
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  });

  test('saving shows "Saving…" and deleting shows "Deleting…"', async ({ page }, testInfo) => {
    await open(page, '/posts/new', testInfo);
    const path = await publish(page, uniqueTitle(testInfo, 'Pending edits'), 'text');
    await page.getByRole('link', { name: 'Edit' }).click();
    await expect(page.getByLabel('Title')).toBeVisible();
    await islandsLive(page);

    for (const [endpoint, button, pending] of [
      ['update_post', 'Save', 'Saving…'],
      ['delete_post', 'Delete', 'Deleting…'],
    ]) {
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route(`**/api/${endpoint}`, async (route) => {
        await held;
        await route.continue();
      });
      await page.getByRole('button', { name: button }).click();
      await expect(page.getByRole('button', { name: pending })).toBeDisabled();
      await expect(page.getByRole('form', { name: 'Edit post' })).toHaveAttribute('aria-busy', 'true');
      release();
      if (endpoint === 'update_post') {
        await expect(page).toHaveURL(path);
        await page.getByRole('link', { name: 'Edit' }).click();
        await expect(page.getByLabel('Title')).toBeVisible();
        await islandsLive(page);
      } else {
        await expect(page).toHaveURL('/');
      }
    }
  });

  test('a failed save shows an alert and keeps the typed values', async ({ page, consoleWatch }, testInfo) => {
    // The browser reports the request the test cuts off; that one is expected.
    consoleWatch.allow(/ERR_INTERNET_DISCONNECTED/);
    await open(page, '/posts/new', testInfo);
    await publish(page, uniqueTitle(testInfo, 'Flaky network'), 'text');
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Content').fill('Typed while offline');
    await page.route('**/api/update_post', (route) => route.abort('internetdisconnected'));
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('alert')).toContainText('Could not reach the server');
    await expect(page.getByLabel('Content')).toHaveValue('Typed while offline');
    await expect(page.getByRole('button', { name: 'Save' })).toBeEnabled();
  });
});
