import type { APIRequestContext, Page } from '@playwright/test';
import { test, expect, jsEnabled, likesOf, listFrom, listed, open, shownPost, uniqueTitle, viewsOf } from './fixtures';

// Live pages: another visitor's writes reach a page left open, through the
// server's stream of changes (GET /live). The other visitor is a browser
// context of its own (its own cookies: another person), writing through the
// server functions as its islands would.

async function publishAs(api: APIRequestContext, title: string, content = 'text'): Promise<string> {
  const response = await api.post('/api/create_post', {
    form: { title, content, submission: `e2e-${Math.random().toString(36).slice(2)}` },
    headers: { Accept: 'application/json' },
  });
  expect(response.status()).toBe(200);
  return `/posts/${await response.json()}`;
}

async function call(api: APIRequestContext, fn: string, form: Record<string, string>): Promise<void> {
  const response = await api.post(`/api/${fn}`, { form, headers: { Accept: 'application/json' } });
  expect(response.status(), `${fn}: ${await response.text()}`).toBe(200);
}

const idOf = (path: string): string => path.split('/').pop() ?? '';

/// Waits until the page follows the stream.
async function following(page: Page): Promise<void> {
  await page.locator('body[data-live]').waitFor({ state: 'attached' });
}

test.describe('with JavaScript', () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, 'the page script follows the stream');

  test("another visitor's like and view move the counts of an open post page", async ({ page, browser }, testInfo) => {
    const other = await browser.newContext();
    const path = await publishAs(other.request, uniqueTitle(testInfo, 'Liked live'));
    await open(page, path, testInfo);
    const post = shownPost(page);
    // Its own view, counted once its island started.
    await expect(viewsOf(post)).toHaveText('1 views');
    await following(page);

    await call(other.request, 'set_like', { id: idOf(path), liked: 'true' });
    await expect(likesOf(post)).toHaveText('1 likes');
    await call(other.request, 'record_view', { id: idOf(path) });
    await expect(viewsOf(post)).toHaveText('2 views');

    // The visitor's own like adds to the other's, and stays pressed.
    await page.getByRole('button', { name: 'Like' }).click();
    await expect(likesOf(post)).toHaveText('2 likes');
    await call(other.request, 'set_like', { id: idOf(path), liked: 'false' });
    await expect(likesOf(post)).toHaveText('1 likes');
    await expect(page.getByRole('button', { name: 'Like' })).toHaveAttribute('aria-pressed', 'true');
    await other.close();
  });

  test("a live count never overwrites the visitor's pending like, nor one older than its answer", async ({ page, browser }, testInfo) => {
    const other = await browser.newContext();
    const path = await publishAs(other.request, uniqueTitle(testInfo, 'Pending like'));
    await open(page, path, testInfo);
    await following(page);
    const post = shownPost(page);
    const id = Number(idOf(path));
    // Counts as the stream would bring them, at a feed position; resolved
    // two frames later, when anything they change has been drawn.
    const arrive = (likes: number, at: number) =>
      page.evaluate(
        ([id, likes, at]) =>
          new Promise<void>((drawn) => {
            dispatchEvent(new CustomEvent('bulletin:counts', { detail: { id, likes, views: 1, at } }));
            requestAnimationFrame(() => requestAnimationFrame(() => drawn()));
          }),
        [id, likes, at],
      );

    // The like's answer is held back: the wish is pending meanwhile.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/set_like', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('button', { name: 'Like' }).click();
    await expect(likesOf(post)).toHaveText('1 likes');
    await arrive(5, 1);
    await expect(likesOf(post), 'no count moves a pending wish').toHaveText('1 likes');
    const answered = page.waitForResponse('**/api/set_like');
    release();
    const answer = await (await answered).json();
    await expect(page.getByRole('form', { name: 'Likes' })).toHaveAttribute('aria-busy', 'false');
    await expect(likesOf(post)).toHaveText('1 likes');

    await arrive(0, answer.at - 1);
    await expect(likesOf(post), 'a count older than the answer is ignored').toHaveText('1 likes');
    await arrive(7, answer.at + 1);
    await expect(likesOf(post), 'a newer one is taken').toHaveText('7 likes');
    await expect(page.getByRole('button', { name: 'Like' })).toHaveAttribute('aria-pressed', 'true');
    await other.close();
  });

  test('an edit and then a delete reach an open post page', async ({ page, browser }, testInfo) => {
    const author = await browser.newContext();
    const path = await publishAs(author.request, uniqueTitle(testInfo, 'Before the edit'), 'old words');
    await open(page, path, testInfo);
    await following(page);

    const edited = uniqueTitle(testInfo, 'After the edit');
    await call(author.request, 'update_post', { id: idOf(path), title: edited, content: 'new words' });
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(edited);
    await expect(shownPost(page).getByText('new words')).toBeVisible();
    await expect(page).toHaveTitle(`${edited} · bulletin`);

    await call(author.request, 'delete_post', { id: idOf(path) });
    await expect(page.getByRole('status')).toHaveText('This post was deleted.');
    await expect(shownPost(page).getByText('This post was deleted.')).toBeVisible();
    await author.close();
  });

  test("a list page's counts follow, and a deleted post is marked", async ({ page, browser }, testInfo) => {
    const other = await browser.newContext();
    const title = uniqueTitle(testInfo, 'Counted in the list');
    const path = await publishAs(other.request, title);
    await open(page, listFrom(path), testInfo);
    await following(page);
    const item = listed(page, title);

    await call(other.request, 'set_like', { id: idOf(path), liked: 'true' });
    await expect(likesOf(item)).toHaveText('1 likes');
    await call(other.request, 'record_view', { id: idOf(path) });
    await expect(viewsOf(item)).toHaveText('1 views');
    await call(other.request, 'delete_post', { id: idOf(path) });
    await expect(item.getByText('This post was deleted.')).toBeVisible();
    await other.close();
  });

  test('the first page of the list says how many posts are new, without moving, and shows them', async ({ page, browser }, testInfo) => {
    const other = await browser.newContext();
    await publishAs(other.request, uniqueTitle(testInfo, 'Already there'));
    await open(page, '/', testInfo);
    await following(page);
    const first = page.getByRole('listitem').first();
    const before = await first.boundingBox();

    const title = uniqueTitle(testInfo, 'Published meanwhile');
    await publishAs(other.request, title);
    const button = page.getByRole('button', { name: /^Show \d+ new posts?$/ });
    await expect(button).toBeVisible();
    // Nothing moved under the reader's eyes.
    expect(await first.boundingBox()).toEqual(before);
    await expect(listed(page, title)).toHaveCount(0);

    // Said once, politely, however many arrive.
    const said = page.locator('.new-posts [aria-live="polite"]');
    await expect(said).toHaveText('New posts have been published.');
    await publishAs(other.request, uniqueTitle(testInfo, 'And another'));
    await expect(button).toHaveText(/^Show ([2-9]|\d\d+) new posts$/);
    await expect(said).toHaveText('New posts have been published.');

    await button.click();
    await expect(listed(page, title)).toBeVisible();
    await expect(button).toBeHidden();
    await other.close();
  });
});

test.describe('without JavaScript', () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled !== false, 'a page without its script');

  test('an open page follows nothing and changes nothing', async ({ page, browser }, testInfo) => {
    const streams: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/live') streams.push(request.url());
    });
    const other = await browser.newContext();
    const path = await publishAs(other.request, uniqueTitle(testInfo, 'Quiet'));
    await open(page, path, testInfo);
    expect(jsEnabled(testInfo)).toBe(false);
    await call(other.request, 'set_like', { id: idOf(path), liked: 'true' });
    // The like is there for the next page the visitor opens...
    const fresh = await other.newPage();
    await fresh.goto(path);
    await expect(likesOf(shownPost(fresh))).toHaveText('1 likes');
    // ...and this one, read without JavaScript, stays as it was served.
    await expect(likesOf(shownPost(page))).toHaveText('0 likes');
    expect(streams).toEqual([]);
    await other.close();
  });
});
