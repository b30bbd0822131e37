import type { Page } from '@playwright/test';
import {
  test,
  expect,
  jsEnabled,
  likesOf,
  listed,
  listedTitles,
  listFrom,
  open,
  publishDirectly,
  uniqueTitle,
  viewsOf,
  shownPost,
} from './fixtures';

// Server functions called from handlers and effects: likes, views,
// keyboard shortcuts, infinite scroll and the theme cookie.

/// Holds every request to a server function (by its name) or to the pages
/// `url` matches, until the returned function is called.
async function hold(page: Page, url: string | ((url: URL) => boolean)): Promise<() => void> {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(typeof url === 'string' ? `**/api/${url}` : url, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/// A request for a list page after the first: what the infinite scroll
/// fetches.
const olderPage = (url: URL) => url.pathname === '/' && url.searchParams.has('before');

const likeButton = (page: Page) => page.getByRole('button', { name: 'Like' });
const likeForm = (page: Page) => page.getByRole('form', { name: 'Likes' });
const likeCount = (page: Page) => likesOf(likeForm(page));

test('liking a post presses the button and counts it, on the post and in the list', async ({ page }, testInfo) => {
  await open(page, '/', testInfo);
  const title = uniqueTitle(testInfo, 'Like me');
  const path = await publishDirectly(page, title);
  await open(page, path, testInfo);
  await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'false');
  await expect(likeCount(page)).toHaveText('0 likes');

  if (jsEnabled(testInfo)) {
    // Wait for the server's answer before reloading, or the reload cancels it.
    await Promise.all([page.waitForResponse('**/api/set_like'), likeButton(page).click()]);
  } else {
    await likeButton(page).click();
  }
  await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'true');
  await expect(likeCount(page)).toHaveText('1 likes');
  await open(page, path, testInfo);
  await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'true');
  await expect(likeCount(page)).toHaveText('1 likes');
  await open(page, listFrom(path), testInfo);
  await expect(likesOf(listed(page, title))).toHaveText('1 likes');
});

test('the theme switches, survives a reload, and goes back to the system theme', async ({ page }, testInfo) => {
  const html = page.locator('html');
  await open(page, '/posts/new', testInfo);
  await expect(html).not.toHaveAttribute('data-theme', /.*/);
  await page.getByLabel('Title').fill('Typed before the switch');

  await page.getByRole('button', { name: 'Dark theme' }).click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('button', { name: 'Light theme' })).toBeVisible();
  if (jsEnabled(testInfo)) {
    // Switched in place: what was typed is still there.
    await expect(page.getByLabel('Title')).toHaveValue('Typed before the switch');
  }
  await expect(page).toHaveURL('/posts/new');

  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('button', { name: 'Light theme' }).click();
  await expect(html).toHaveAttribute('data-theme', 'light');

  await page.getByRole('button', { name: 'Use system theme' }).click();
  await expect(page.getByRole('button', { name: 'Use system theme' })).toHaveCount(0);
  await expect(html).not.toHaveAttribute('data-theme', /.*/);
  await page.reload();
  await expect(html).not.toHaveAttribute('data-theme', /.*/);
});

test('"Older posts" pages through the list', async ({ page }, testInfo) => {
  // With JavaScript the end of the list loads the next page by itself as the
  // link scrolls into view (tested below); the link is the no-JS way.
  test.skip(jsEnabled(testInfo), 'infinite scroll takes over with JS');
  await open(page, '/', testInfo);
  const prefix = uniqueTitle(testInfo, 'Paged');
  for (let n = 1; n <= 21; n++) {
    await publishDirectly(page, `${prefix} #${n}`);
  }
  await open(page, '/', testInfo);
  const firstPage = await listedTitles(page).allTextContents();
  expect(firstPage).toHaveLength(20);
  const lastHref = await listedTitles(page).last().getByRole('link').getAttribute('href');
  const lastId = lastHref?.split('/').pop();

  await page.getByRole('link', { name: 'Older posts' }).last().click();
  await expect(page).toHaveURL(`/?before=${lastId}`);
  await expect(listedTitles(page).first()).toBeVisible();
  const secondPage = await listedTitles(page).allTextContents();
  expect(secondPage.length).toBeGreaterThan(0);
  expect(secondPage.filter((title) => firstPage.includes(title)), 'no post on both pages').toEqual([]);
});

test.describe('with JavaScript', () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, 'handlers and effects need JS');

  test('a like shows at once, then the server confirms it', async ({ page }, testInfo) => {
    await open(page, '/', testInfo);
    const path = await publishDirectly(page, uniqueTitle(testInfo, 'Optimistic'));
    await open(page, path, testInfo);
    const release = await hold(page, 'set_like');
    await likeButton(page).click();
    // Before the server has answered.
    await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'true');
    await expect(likeCount(page)).toHaveText('1 likes');
    await expect(likeForm(page)).toHaveAttribute('aria-busy', 'true');
    release();
    await expect(likeForm(page)).toHaveAttribute('aria-busy', 'false');
    await expect(likeCount(page)).toHaveText('1 likes');
    await page.reload();
    await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'true');
  });

  test('a rapid double toggle ends in the state of the last click', async ({ page }, testInfo) => {
    await open(page, '/', testInfo);
    const path = await publishDirectly(page, uniqueTitle(testInfo, 'Double toggle'));
    await open(page, path, testInfo);
    const release = await hold(page, 'set_like');
    await likeButton(page).click();
    await likeButton(page).click();
    await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'false');
    await expect(likeCount(page)).toHaveText('0 likes');
    release();
    await expect(likeForm(page)).toHaveAttribute('aria-busy', 'false');
    await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'false');
    await page.reload();
    await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'false');
    await expect(likeCount(page)).toHaveText('0 likes');
  });

  test('a like the server never gets is rolled back with a message', async ({ page, consoleWatch }, testInfo) => {
    consoleWatch.allow(/ERR_INTERNET_DISCONNECTED/);
    await open(page, '/', testInfo);
    const path = await publishDirectly(page, uniqueTitle(testInfo, 'Offline like'));
    await open(page, path, testInfo);
    await page.route('**/api/set_like', (route) => route.abort('internetdisconnected'));
    await likeButton(page).click();
    await expect(page.getByRole('alert')).toContainText('Could not reach the server');
    await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'false');
    await expect(likeCount(page)).toHaveText('0 likes');
  });

  test('a theme switch is busy while on its way, and one that fails keeps the theme and says so', async ({ page, consoleWatch }, testInfo) => {
    consoleWatch.allow(/ERR_INTERNET_DISCONNECTED/);
    const html = page.locator('html');
    const controls = page.getByRole('form', { name: 'Theme' });
    await open(page, '/', testInfo);
    const release = await hold(page, 'set_theme');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await expect(controls).toHaveAttribute('aria-busy', 'true');
    await expect(page.getByRole('button', { name: 'Dark theme' })).toBeDisabled();
    release();
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await expect(controls).toHaveAttribute('aria-busy', 'false');

    await page.unrouteAll();
    await page.route('**/api/set_theme', (route) => route.abort('internetdisconnected'));
    await page.getByRole('button', { name: 'Light theme' }).click();
    await expect(page.getByRole('alert')).toContainText('Could not reach the server');
    await expect(html).toHaveAttribute('data-theme', 'dark');
    await expect(page.getByRole('button', { name: 'Light theme' })).toBeEnabled();
    await expect(controls).toHaveAttribute('aria-busy', 'false');
  });

  test('the l and n shortcuts, listed on the page and ignored while typing', async ({ page }, testInfo) => {
    await open(page, '/', testInfo);
    const path = await publishDirectly(page, uniqueTitle(testInfo, 'Shortcuts'));
    await open(page, path, testInfo);
    await expect(page.getByText('Keyboard: l like or unlike')).toBeVisible();
    await expect(page.getByText('Keyboard: n new post')).toBeVisible();

    await page.keyboard.press('l');
    await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'true');
    await expect(likeCount(page)).toHaveText('1 likes');
    await page.keyboard.press('l');
    await expect(likeButton(page)).toHaveAttribute('aria-pressed', 'false');
    await expect(likeForm(page)).toHaveAttribute('aria-busy', 'false');

    await page.keyboard.press('n');
    await expect(page).toHaveURL('/posts/new');
    await page.getByLabel('Title').pressSequentially('no n here');
    await expect(page.getByLabel('Title')).toHaveValue('no n here');
    await expect(page).toHaveURL('/posts/new');
  });

  test('a view is counted when the post page mounts', async ({ page }, testInfo) => {
    await open(page, '/', testInfo);
    const title = uniqueTitle(testInfo, 'Viewed');
    const path = await publishDirectly(page, title);
    await open(page, path, testInfo);
    await expect(viewsOf(shownPost(page))).toHaveText('1 views');
    await open(page, path, testInfo);
    await expect(viewsOf(shownPost(page))).toHaveText('2 views');
    await open(page, listFrom(path), testInfo);
    await expect(viewsOf(listed(page, title))).toHaveText('2 views');
  });

  test('scrolling to the end loads the next posts, without duplicates', async ({ page }, testInfo) => {
    await open(page, '/', testInfo);
    const prefix = uniqueTitle(testInfo, 'Scrolled');
    for (let n = 1; n <= 45; n++) {
      await publishDirectly(page, `${prefix} #${n}`);
    }
    await open(page, '/', testInfo);
    await page.evaluate(() => {
      (window as unknown as { bulletinMark?: boolean }).bulletinMark = true;
    });
    // The island fetches the page the "Older posts" link leads to.
    const release = await hold(page, olderPage);
    const fetched = page.waitForResponse((response) => olderPage(new URL(response.url())));
    await page.keyboard.press('End');
    await expect(page.getByText('Loading more posts…')).toBeVisible();
    // From here on the route lets every request through at once.
    release();
    const first = await (await fetched).text();
    expect(first, 'the list part alone, not the page around it').toMatch(/^<ol class="posts">/);

    const oldest = page.getByRole('link', { name: `${prefix} #1`, exact: true });
    const posts = page.getByRole('article');
    for (let step = 0; step < 20 && (await oldest.count()) === 0; step++) {
      const shown = await posts.count();
      await page.keyboard.press('End');
      await expect.poll(() => posts.count(), 'more posts load at the end of the list').toBeGreaterThan(shown);
    }
    await expect(oldest).toBeVisible();
    const titles = await listedTitles(page).allTextContents();
    expect(new Set(titles).size, 'no title twice').toBe(titles.length);
    const ours = titles.filter((title) => title.startsWith(prefix));
    expect(ours).toHaveLength(45);
    expect(
      await page.evaluate(() => (window as unknown as { bulletinMark?: boolean }).bulletinMark === true),
      'no page load',
    ).toBe(true);
  });

  test('a next page that never arrives is said so, and the link to it stays', async ({ page, consoleWatch }, testInfo) => {
    consoleWatch.allow(/ERR_INTERNET_DISCONNECTED/);
    await open(page, '/', testInfo);
    const prefix = uniqueTitle(testInfo, 'Unscrolled');
    for (let n = 1; n <= 21; n++) {
      await publishDirectly(page, `${prefix} #${n}`);
    }
    await open(page, '/', testInfo);
    const posts = page.getByRole('article');
    const shown = await posts.count();
    await page.route(olderPage, (route) => route.abort('internetdisconnected'));
    await page.keyboard.press('End');
    await expect(page.getByRole('alert')).toContainText('Could not reach the server');
    await expect(page.getByText('Loading more posts…')).toHaveCount(0);
    await expect(posts).toHaveCount(shown);
    await expect(page.getByRole('link', { name: 'Older posts' })).toBeVisible();
  });
});
