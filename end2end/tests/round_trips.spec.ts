import type { Page, Request } from '@playwright/test';
import { test, expect, islandsLive, jsEnabled, open, publishDirectly, uniqueTitle, markDocument, documentIsTheMarkedOne } from './fixtures';

// How many requests a write costs the browser. With JavaScript, a write that
// leads to another page is answered with that page: one request from the
// click to the page that shows it. Without, the browser posts the form and
// follows the server's 303 (post/redirect/get, which keeps reload and Back
// safe).

/// The requests the page sends to the app from now on, in order, as
/// "METHOD /path". Left out: the client's own files (a lazy island fetches
/// its part of the client once its page shows), the images a page shows
/// (posts' pictures, like any image of a page), and the view that a post
/// page counts once it is on screen (a write that stays on that page), and
/// the tab's one live stream, opened once the client has started.
function appRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/pkg/') || url.pathname.startsWith('/images/') || url.pathname.startsWith('/favicon') || url.pathname === '/api/record_view' || url.pathname === '/live') return;
    seen.push(`${request.method()} ${url.pathname}`);
  });
  return seen;
}

async function fillNewPost(page: Page, title: string): Promise<void> {
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Content').fill('One trip');
}

test.describe('with JavaScript', () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, 'the page script sends the writes');

  test('publish, save and both deletes each take one request, and the page shows the write', async ({ page }, testInfo) => {
    await open(page, '/posts/new', testInfo);
    await islandsLive(page);
    await markDocument(page);
    const title = uniqueTitle(testInfo, 'One trip');
    await fillNewPost(page, title);
    let requests = appRequests(page);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Post published');
    await expect(page).toHaveURL(/\/posts\/\d+$/);
    const path = new URL(page.url()).pathname;
    expect(requests, 'publishing: the write, answered with the post').toEqual(['POST /api/create_post']);

    await page.getByRole('link', { name: 'Edit' }).click();
    await expect(page).toHaveURL(`${path}/edit`);
    await islandsLive(page);
    const saved = uniqueTitle(testInfo, 'Saved in one trip');
    await page.getByLabel('Title').fill(saved);
    requests = appRequests(page);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('heading', { level: 1, name: saved })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Post updated');
    await expect(page).toHaveURL(path);
    expect(requests, 'saving: the write, answered with the post').toEqual(['POST /api/update_post']);

    await islandsLive(page);
    requests = appRequests(page);
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('status')).toHaveText('Post deleted');
    await expect(page).toHaveURL('/');
    expect(requests, 'deleting from the post: the write, answered with the list').toEqual(['POST /api/delete_post']);

    const other = await publishDirectly(page, uniqueTitle(testInfo, 'Deleted from its form'));
    await page.goto(`${other}/edit`);
    await islandsLive(page);
    requests = appRequests(page);
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('status')).toHaveText('Post deleted');
    await expect(page).toHaveURL('/');
    expect(requests, 'deleting from the edit form: the write, answered with the list').toEqual(['POST /api/delete_post']);
  });

  test('after a write, reload is a plain GET, Back and Forward move through history, and nothing is posted again', async ({ page }, testInfo) => {
    await open(page, '/', testInfo);
    await page.getByRole('link', { name: 'New post' }).click();
    await expect(page).toHaveURL('/posts/new');
    await islandsLive(page);
    const title = uniqueTitle(testInfo, 'History');
    await fillNewPost(page, title);
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    const path = new URL(page.url()).pathname;

    const requests = appRequests(page);
    const reload = await page.reload();
    expect(reload?.request().method()).toBe('GET');
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('');

    await page.goBack();
    await expect(page).toHaveURL('/posts/new');
    await expect(page.getByRole('heading', { level: 1, name: 'New post' })).toBeVisible();
    await page.goForward();
    await expect(page).toHaveURL(path);
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    expect(requests.filter((request) => request.startsWith('POST')), 'no write is sent again').toEqual([]);
  });

  test('a form sent before the client has started publishes once, in one request, and a second click adds nothing', async ({ page }, testInfo) => {
    // The client's .wasm is held back, as on a slow phone that has not
    // fetched it yet: the page's script sends the form itself.
    let releaseClient: () => void = () => {};
    const clientHeld = new Promise<void>((resolve) => (releaseClient = resolve));
    await page.route('**/*.wasm', async (route) => {
      await clientHeld;
      await route.continue().catch(() => {});
    });
    let releaseWrite: () => void = () => {};
    const writeHeld = new Promise<void>((resolve) => (releaseWrite = resolve));
    let writesSeen = 0;
    await page.route('**/api/create_post', async (route) => {
      writesSeen++;
      await writeHeld;
      await route.continue();
    });

    await page.goto('/posts/new');
    await markDocument(page);
    const title = uniqueTitle(testInfo, 'Before the client');
    await fillNewPost(page, title);
    const requests = appRequests(page);
    const publish = page.getByRole('button', { name: 'Publish' });
    await publish.click();
    await expect.poll(() => writesSeen, 'the first click sends the form').toBe(1);
    await expect(page.locator('html')).toHaveAttribute('aria-busy', 'true');
    await publish.click();
    releaseWrite();

    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Post published');
    await expect(page).toHaveURL(/\/posts\/\d+$/);
    expect(await documentIsTheMarkedOne(page), 'shown by the page script, not a page load').toBe(true);
    expect(requests, 'one write, answered with the post, and no second one').toEqual(['POST /api/create_post']);
    expect(writesSeen, 'the second click sent nothing').toBe(1);
    releaseClient();
  });

  test('a navigation superseded by another is aborted, and its page never shows', async ({ page }, testInfo) => {
    const first = await publishDirectly(page, uniqueTitle(testInfo, 'Superseded'));
    const second = await publishDirectly(page, uniqueTitle(testInfo, 'Shown instead'));
    await open(page, '/', testInfo);
    await markDocument(page);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`**${first}`, async (route) => {
      await held;
      await route.continue().catch(() => {});
    });
    const firstRequest = page.waitForRequest((request) => new URL(request.url()).pathname === first);
    const aborted = page.waitForEvent('requestfailed', (request) => new URL(request.url()).pathname === first);
    // Two links at the top of the page, where the list growing as it is
    // scrolled cannot move them.
    await page.evaluate(([first, second]) => {
      for (const path of [second, first]) {
        const link = document.createElement('a');
        link.href = path;
        link.textContent = `go to ${path}`;
        document.querySelector('main')!.prepend(link);
      }
    }, [first, second]);
    await page.getByRole('link', { name: `go to ${first}` }).click();
    await firstRequest;
    await page.getByRole('link', { name: `go to ${second}` }).click();
    await expect(page).toHaveURL(second);
    const failure = (await aborted).failure();
    expect(failure?.errorText).toMatch(/ABORTED/);
    release();
    await expect(page).toHaveURL(second);
    expect(new URL(page.url()).pathname).toBe(second);
    await expect(page.getByRole('heading', { level: 1 })).not.toHaveText(/Superseded/);
    expect(await documentIsTheMarkedOne(page)).toBe(true);
  });
});

test.describe('without JavaScript', () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled !== false, 'the browser posts the form itself');

  test('a write is answered 303 and the browser fetches the page it names', async ({ page }, testInfo) => {
    await page.goto('/posts/new');
    const title = uniqueTitle(testInfo, 'Post, redirect, get');
    await fillNewPost(page, title);
    const requests = appRequests(page);
    const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/create_post');
    await page.getByRole('button', { name: 'Publish' }).click();
    const answer = await answered;
    expect(answer.status()).toBe(303);
    const location = answer.headers()['location'];
    expect(location).toMatch(/^\/posts\/\d+$/);
    await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
    await expect(page).toHaveURL(location);
    expect(requests).toEqual(['POST /api/create_post', `GET ${location}`]);
  });
});
