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
  markDocument,
  documentIsTheMarkedOne,
  shownPost,
} from './fixtures';

// Moving between pages: with JavaScript the page's script fetches the next
// page's HTML and swaps it in (no full load, the client started once);
// without it the browser loads each page. Either way the title, the history
// and what is on screen must be what a person expects.

test('links, back and forward show the right page and title', async ({ page }, testInfo) => {
  const title = uniqueTitle(testInfo, 'Navigated');
  await open(page, '/', testInfo);
  const path = await publishDirectly(page, title, 'Body of the navigated post');
  await open(page, listFrom(path), testInfo);
  const js = jsEnabled(testInfo);
  if (js) await markDocument(page);

  await page.getByRole('link', { name: title, exact: true }).click();
  await expect(page).toHaveURL(path);
  await expect(page).toHaveTitle(`${title} · bulletin`);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page.getByText('Body of the navigated post', { exact: true })).toBeVisible();

  await page.goBack();
  await expect(page).toHaveURL(listFrom(path));
  await expect(page).toHaveTitle('Latest posts · bulletin');
  await expect(page.getByRole('link', { name: title, exact: true })).toBeVisible();

  await page.goForward();
  await expect(page).toHaveURL(path);
  await expect(page).toHaveTitle(`${title} · bulletin`);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();

  await page.getByRole('link', { name: 'New post' }).click();
  await expect(page).toHaveURL('/posts/new');
  await expect(page).toHaveTitle('New post · bulletin');
  if (js) {
    expect(await documentIsTheMarkedOne(page), 'no full page load').toBe(true);
  }
});

/// Without JavaScript the save is a form post and a 303 back to the post;
/// with it, the client navigates there, and the list it shows next is
/// fetched again rather than shown from before.
test('after an edit, the post, its title and the list show the new text', async ({ page }, testInfo) => {
  const js = jsEnabled(testInfo);
  const before = uniqueTitle(testInfo, 'Fresh before');
  const after = uniqueTitle(testInfo, 'Fresh after');
  await open(page, '/', testInfo);
  const path = await publishDirectly(page, before, 'Old words');
  await open(page, path, testInfo);
  if (js) await markDocument(page);

  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByLabel('Title').fill(after);
  await page.getByLabel('Content').fill('New words');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(path);
  await expect(page.getByRole('status')).toHaveText('Post updated');
  await expect(page).toHaveTitle(`${after} · bulletin`);
  await expect(page.getByRole('heading', { level: 1, name: after })).toBeVisible();
  await expect(page.getByText('New words', { exact: true })).toBeVisible();

  await page.getByRole('link', { name: 'bulletin' }).click();
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('status')).toHaveText('');
  if (js) {
    expect(await documentIsTheMarkedOne(page), 'no full page load from the post to the list').toBe(true);
  }
  await page.goto(listFrom(path));
  await expect(page.getByRole('link', { name: after, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: before, exact: true })).toHaveCount(0);
});

test.describe('with JavaScript', () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, 'client-side navigation needs JS');

  test('a new page starts at the top with the focus on its heading; back restores the scroll', async ({ page }, testInfo) => {
    await open(page, '/', testInfo);
    for (let n = 1; n <= 3; n++) {
      await publishDirectly(page, uniqueTitle(testInfo, `Scroll ${n}`));
    }
    await page.setViewportSize({ width: 800, height: 400 });
    await open(page, '/', testInfo);
    await markDocument(page);
    // A post far enough down the list that the page has to scroll to it.
    const link = listedTitles(page).nth(8).getByRole('link');
    await link.scrollIntoViewIfNeeded();
    const scrolled = await page.evaluate(() => window.scrollY);
    expect(scrolled).toBeGreaterThan(100);
    const title = await link.textContent();

    await link.click();
    await expect(page.getByRole('heading', { level: 1, name: title! })).toBeVisible();
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await expect(page.getByRole('heading', { level: 1 })).toBeFocused();

    await page.goBack();
    await expect(page.getByRole('heading', { level: 1, name: 'Latest posts' })).toBeVisible();
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(scrolled);
    expect(await documentIsTheMarkedOne(page), 'no full page load').toBe(true);
  });

  test('after a like, going back shows the list with the new count', async ({ page }, testInfo) => {
    const title = uniqueTitle(testInfo, 'Fresh like');
    await open(page, '/', testInfo);
    const path = await publishDirectly(page, title);
    await open(page, listFrom(path), testInfo);
    const item = listed(page, title);
    await expect(likesOf(item)).toHaveText('0 likes');
    await expect(viewsOf(item)).toHaveText('0 views');
    await markDocument(page);

    await page.getByRole('link', { name: title, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    await expect(viewsOf(shownPost(page))).toHaveText('1 views');
    await Promise.all([page.waitForResponse('**/api/set_like'), page.getByRole('button', { name: 'Like' }).click()]);
    await expect(likesOf(shownPost(page))).toHaveText('1 likes');

    // The list is fetched again, not shown from before: the like and the
    // view are in it, without a reload.
    await page.goBack();
    await expect(likesOf(item)).toHaveText('1 likes');
    await expect(viewsOf(item)).toHaveText('1 views');
    expect(await documentIsTheMarkedOne(page), 'no full page load').toBe(true);
  });

  test('the islands of a page reached by navigation work, and those it left do not act', async ({ page }, testInfo) => {
    await open(page, '/', testInfo);
    const path = await publishDirectly(page, uniqueTitle(testInfo, 'Islands'));
    await open(page, path, testInfo);
    await markDocument(page);
    // Away and back: the like button shown now is a new island; the first
    // one left the page with the first visit.
    await page.getByRole('link', { name: 'bulletin' }).click();
    await expect(page).toHaveURL('/');
    await page.goBack();
    await expect(page).toHaveURL(path);
    await expect(likesOf(shownPost(page))).toHaveText('0 likes');

    let likes = 0;
    page.on('request', (request) => {
      if (request.url().endsWith('/api/set_like')) likes += 1;
    });
    await Promise.all([page.waitForResponse('**/api/set_like'), page.keyboard.press('l')]);
    await expect(likesOf(shownPost(page))).toHaveText('1 likes');
    await expect(page.getByRole('form', { name: 'Likes' })).toHaveAttribute('aria-busy', 'false');
    expect(likes, 'one key press, one request').toBe(1);
    expect(await documentIsTheMarkedOne(page), 'no full page load').toBe(true);
    await page.reload();
    await expect(page.getByRole('button', { name: 'Like' })).toHaveAttribute('aria-pressed', 'true');
  });
});
