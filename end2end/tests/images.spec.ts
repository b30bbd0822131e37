import { deflateSync } from 'node:zlib';
import type { Locator, Page } from '@playwright/test';
import { test, expect, islandsLive, jsEnabled, open, uniqueTitle, listFrom, shownPost, listed } from './fixtures';

// A post's image, in both projects: chosen in the new-post and edit forms,
// shown on the post and as a thumbnail in the list, replaced and removed.
// With JavaScript the island sends the form itself, showing its upload's
// progress, and checks the file first; without, the browser posts the form
// as multipart/form-data.

/// A PNG file of `width` x `height`. `noise` makes it incompressible, so its
/// size is about 3 bytes a pixel (for a slow upload).
function png(width: number, height: number, noise = false): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (kind: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(kind, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const at = row + 1 + x * 3;
      rows[at] = noise ? seed >>> 24 : (x * 7) & 0xff;
      rows[at + 1] = noise ? (seed >>> 16) & 0xff : (y * 5) & 0xff;
      rows[at + 2] = noise ? (seed >>> 8) & 0xff : 120;
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: noise ? 0 : 6 })), chunk('IEND', Buffer.alloc(0))]);
}

const picture = (name: string, width: number, height: number, noise = false) => ({
  name,
  mimeType: 'image/png',
  buffer: png(width, height, noise),
});

/// Fills the new-post form, with an image when given, and publishes;
/// returns the new post's path.
async function publishWithImage(page: Page, title: string, file: ReturnType<typeof picture> | null, alt: string): Promise<string> {
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Content').fill('With a picture');
  if (file) await page.getByLabel('Image file').setInputFiles(file);
  await page.getByLabel('Image description').fill(alt);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page).toHaveURL(/\/posts\/\d+$/);
  return new URL(page.url()).pathname;
}

/// The post's image has loaded, and is `width` pixels wide.
async function expectLoaded(image: Locator, width: number) {
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(width);
}

test('a post published with an image shows it, and the list shows its thumbnail', async ({ page }, testInfo) => {
  await open(page, '/posts/new', testInfo);
  const title = uniqueTitle(testInfo, 'Picture');
  const alt = `A gradient for ${title}`;
  const path = await publishWithImage(page, title, picture('gradient.png', 2000, 1000), alt);
  await expect(page.getByRole('status')).toHaveText('Post published');
  // Scaled down to 1600 pixels, re-encoded, and described.
  await expectLoaded(shownPost(page).getByRole('img', { name: alt }), 1600);

  await open(page, listFrom(path), testInfo);
  await expectLoaded(listed(page, title).getByRole('img', { name: alt }), 240);
});

test('the author replaces the image, then removes it', async ({ page }, testInfo) => {
  await open(page, '/posts/new', testInfo);
  const title = uniqueTitle(testInfo, 'Replaced');
  const path = await publishWithImage(page, title, picture('first.png', 300, 200), 'The first picture');
  await expectLoaded(shownPost(page).getByRole('img', { name: 'The first picture' }), 300);

  await open(page, `${path}/edit`, testInfo);
  if (jsEnabled(testInfo)) await islandsLive(page);
  await expect(page.getByRole('img', { name: 'The first picture' })).toBeVisible();
  await expect(page.getByLabel('Image description')).toHaveValue('The first picture');
  await page.getByLabel('Replace it with').setInputFiles(picture('second.png', 120, 90));
  await page.getByLabel('Image description').fill('The second picture');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(path);
  await expect(page.getByRole('status')).toHaveText('Post updated');
  await expectLoaded(shownPost(page).getByRole('img', { name: 'The second picture' }), 120);
  await expect(page.getByRole('img', { name: 'The first picture' })).toHaveCount(0);

  await open(page, `${path}/edit`, testInfo);
  if (jsEnabled(testInfo)) await islandsLive(page);
  await page.getByLabel('Remove the image').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(path);
  await expect(page.getByRole('status')).toHaveText('Post updated');
  await expect(shownPost(page).getByRole('img')).toHaveCount(0);
});

test('a rejected form keeps the description and says the image must be chosen again', async ({ page }, testInfo) => {
  test.skip(jsEnabled(testInfo), 'with JavaScript the form never leaves the page, and keeps its file');
  await open(page, '/posts/new', testInfo);
  await page.getByLabel('Title').fill('   ');
  await page.getByLabel('Content').fill('Kept content');
  await page.getByLabel('Image file').setInputFiles(picture('kept.png', 40, 40));
  await page.getByLabel('Image description').fill('Kept description');
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page).toHaveURL('/posts/new');
  await expect(page.getByLabel('Title')).toHaveAccessibleDescription('Title is required');
  await expect(page.getByLabel('Image file')).toHaveAccessibleDescription(
    /Choose the image again: a file cannot be kept when the form comes back/,
  );
  await expect(page.getByLabel('Image description')).toHaveValue('Kept description');
  await expect(page.getByLabel('Content')).toHaveValue('Kept content');
});

test('an image needs a description, in the same words with JavaScript and without', async ({ page }, testInfo) => {
  await open(page, '/posts/new', testInfo);
  await page.getByLabel('Title').fill(uniqueTitle(testInfo, 'No description'));
  await page.getByLabel('Content').fill('text');
  await page.getByLabel('Image file').setInputFiles(picture('undescribed.png', 40, 40));
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page).toHaveURL('/posts/new');
  await expect(page.getByLabel('Image description')).toHaveAccessibleDescription(
    /Describe the image for people who cannot see it/,
  );
});

test.describe('with JavaScript', () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, 'the island checks and sends the form');

  test('a file that is not an image is refused before anything is sent', async ({ page }, testInfo) => {
    await open(page, '/posts/new', testInfo);
    await islandsLive(page);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') sent.push(request.url());
    });
    await page.getByLabel('Title').fill(uniqueTitle(testInfo, 'Not an image'));
    await page.getByLabel('Content').fill('text');
    await page.getByLabel('Image file').setInputFiles({ name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<script>1</script>') });
    await page.getByLabel('Image description').fill('a page');
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page.getByLabel('Image file')).toHaveAccessibleDescription(/The image must be a PNG, JPEG, WebP or GIF file/);
    await expect(page.getByLabel('Image file')).toBeFocused();
    expect(sent).toEqual([]);
  });

  test('the upload shows its progress, can be cancelled, and then publishes in one request', async ({ page }, testInfo) => {
    await open(page, '/posts/new', testInfo);
    await islandsLive(page);
    // A slow uplink (64 KB/s), so the upload of a 600 KB file takes a while.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 64 * 1024,
    });
    const title = uniqueTitle(testInfo, 'Slow upload');
    const posts: string[] = [];
    // The view a post page counts once it is on screen is not the write's.
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (request.method() === 'POST' && path !== '/api/record_view') posts.push(path);
    });
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Content').fill('text');
    await page.getByLabel('Image file').setInputFiles(picture('noise.png', 400, 500, true));
    await page.getByLabel('Image description').fill('Noise');
    await page.getByRole('button', { name: 'Publish' }).click();

    const progress = page.getByRole('progressbar', { name: 'Uploading the image' });
    await expect(progress).toBeVisible();
    await expect.poll(() => progress.evaluate((bar: HTMLProgressElement) => bar.value), 'the bar moves').toBeGreaterThan(0);
    // The percentage is written out beside the bar.
    await expect(page.locator('.upload-percent')).toHaveText(/^\d+%$/);
    await expect(page.getByRole('button', { name: 'Publishing…' })).toBeDisabled();
    await page.getByRole('button', { name: 'Cancel upload' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Upload cancelled' })).toHaveText('Upload cancelled.');
    await expect(progress).toHaveCount(0);
    await expect(page).toHaveURL('/posts/new');
    await expect(page.getByRole('button', { name: 'Publish' })).toBeEnabled();

    // Sent again, at full speed: published, in one request.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    posts.length = 0;
    await page.getByRole('button', { name: 'Publish' }).click();
    await expect(page).toHaveURL(/\/posts\/\d+$/);
    await expect(page.getByRole('status')).toHaveText('Post published');
    await expect(shownPost(page).getByRole('heading', { level: 1 })).toHaveText(title);
    expect(posts).toEqual(['/api/create_post']);
    // The cancelled attempt published nothing: one post has this title.
    await open(page, '/', testInfo);
    await expect(page.getByRole('link', { name: title, exact: true })).toHaveCount(1);
  });
});
