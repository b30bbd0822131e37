import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, expect, jsEnabled, open, publishDirectly, uniqueTitle } from './fixtures';

// Clickjacking: a page on another port of the same host is same-site, so the
// visitor's cookies travel with the requests of a frame it shows. It puts
// the author's post page in a near-transparent frame over a "Claim prize"
// button, where the post's Delete button would be. No page of ours may be
// shown in a frame (X-Frame-Options: DENY, frame-ancestors 'none'), so the
// frame shows the browser's error page, and the click deletes nothing.
test('a page on another port cannot frame a post page, and a click through it deletes nothing', async ({ page, baseURL, consoleWatch }, testInfo) => {
  const path = await publishDirectly(page, uniqueTitle(testInfo, 'Framed'));
  const target = new URL(path, baseURL).href;
  const attacker = createServer((_, response) => {
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(`<!doctype html><html lang="en"><title>You won</title>
      <button style="position:absolute;inset:0 auto auto 0;width:800px;height:600px">Claim prize</button>
      <iframe title="prize" src="${target}"
        style="position:absolute;inset:0 auto auto 0;width:800px;height:600px;border:0;opacity:0.01"></iframe>
    </html>`);
  });
  await new Promise<void>((listening) => attacker.listen(0, '127.0.0.1', listening));
  const port = (attacker.address() as AddressInfo).port;
  // The browser says, in the attacker's console, that it refused the frame
  // (for X-Frame-Options, or for the CSP's frame-ancestors).
  consoleWatch.allow(/Refused to (display|frame)|Framing '.*' violates the following Content Security Policy directive/);
  try {
    await page.goto(`http://127.0.0.1:${port}/`);
    // The frame ends on the browser's own error page, not on ours.
    await expect.poll(() => page.frames().map((frame) => frame.url())).toContain('chrome-error://chromewebdata/');
    const framed = page.frameLocator('iframe[title="prize"]');
    await expect(framed.getByRole('button', { name: 'Delete' })).toHaveCount(0);
    // Every click the victim could make over the frame.
    for (const [x, y] of [[100, 100], [400, 300], [700, 500]]) {
      await page.mouse.click(x, y);
    }
  } finally {
    attacker.close();
  }
  const after = await page.request.get(path);
  expect(after.status(), 'the post is still there').toBe(200);
});

// Script injection: whatever markup reached a page (text that escaping
// missed, say), the page's Content-Security-Policy runs only the site's own
// files and its known inline scripts. A script added to the page does not
// run, and the browser reports the violation (which, anywhere else in the
// suite, fails the test as a console error does).
test('an inline script slipped into a page does not run', async ({ page, consoleWatch }, testInfo) => {
  test.skip(!jsEnabled(testInfo), 'the test adds the script with JavaScript');
  consoleWatch.allow(/Executing inline script violates the following Content Security Policy directive 'script-src /);
  await open(page, '/', testInfo);
  const outcome = await page.evaluate(
    () =>
      new Promise<{ ran: boolean; directive: string }>((resolve) => {
        document.addEventListener('securitypolicyviolation', (event) =>
          resolve({ ran: (window as unknown as { slipped?: boolean }).slipped === true, directive: event.effectiveDirective }),
        );
        const script = document.createElement('script');
        script.textContent = 'window.slipped = true;';
        document.body.append(script);
      }),
  );
  expect(outcome).toEqual({ ran: false, directive: 'script-src-elem' });
});
