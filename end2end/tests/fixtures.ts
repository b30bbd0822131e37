import { test as base, expect, type ConsoleMessage, type Locator, type Page, type TestInfo } from '@playwright/test';

/// Collects what the browser console reports. Errors, warnings (hydration
/// mismatches among them) and uncaught exceptions fail the test, except those
/// a test declares it expects with `allow`.
export class ConsoleWatch {
  readonly problems: string[] = [];
  private readonly allowed: RegExp[] = [];

  /// Declares a message this test expects, such as the browser's own report
  /// of a 404 the test navigates to on purpose.
  allow(pattern: RegExp): void {
    this.allowed.push(pattern);
  }

  unexpected(): string[] {
    return this.problems.filter((problem) => !this.allowed.some((pattern) => pattern.test(problem)));
  }
}

export const test = base.extend<{ consoleWatch: ConsoleWatch }>({
  consoleWatch: [
    async ({ page }, use) => {
      const watch = new ConsoleWatch();
      page.on('console', (message: ConsoleMessage) => {
        if (message.type() === 'error' || message.type() === 'warning') {
          watch.problems.push(`${message.type()}: ${message.text()}`);
        }
      });
      page.on('pageerror', (error) => watch.problems.push(`uncaught: ${error.message}`));
      await use(watch);
      expect(watch.unexpected(), 'console errors or warnings').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/// Whether the current project runs with JavaScript.
export function jsEnabled(testInfo: { project: { use: { javaScriptEnabled?: boolean } } }): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/// Waits until the client has started and hydrated the page's islands.
export async function hydrated(page: Page): Promise<void> {
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

/// Waits until every island on the page is live. After a navigation by the
/// page's script, a lazy island (a form) first fetches its part of the
/// client; until then its form is sent as a plain form, without the island's
/// pending state.
export async function islandsLive(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('leptos-island')].every(
      (island) => (island as unknown as { bulletinHydrated?: boolean }).bulletinHydrated,
    ),
  );
}

/// A title no other test (or project, or run) uses.
export function uniqueTitle(testInfo: TestInfo, what: string): string {
  return `${what} ${testInfo.project.name} ${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/// Opens a page with a full load and, with JavaScript, waits for the client.
export async function open(page: Page, path: string, testInfo: TestInfo): Promise<void> {
  await page.goto(path);
  if (jsEnabled(testInfo)) {
    await hydrated(page);
  }
}

/// Publishes a post through the server function, as this page's visitor,
/// and returns its path.
export async function publishDirectly(page: Page, title: string, content = 'text'): Promise<string> {
  const response = await page.request.post('/api/create_post', {
    form: { title, content, submission: `e2e-${Math.random().toString(36).slice(2)}` },
    headers: { Accept: 'application/json' },
  });
  expect(response.status()).toBe(200);
  return `/posts/${await response.json()}`;
}

/// The page of the list that starts with the post at `path`, so a test
/// finds its post there whatever other tests publish meanwhile.
export function listFrom(path: string): string {
  const id = Number(path.split('/').pop());
  return `/?before=${id + 1}`;
}

/// Marks the current document. A full page load replaces the document and
/// loses the mark; client-side navigation keeps it.
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { bulletinMark?: boolean }).bulletinMark = true;
  });
}

export async function documentIsTheMarkedOne(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { bulletinMark?: boolean }).bulletinMark === true);
}

// Elements found as a person finds them: by role, name or text.

/// The list item of the post titled `title` on a list page.
export function listed(page: Page, title: string): Locator {
  return page.getByRole('listitem').filter({ has: page.getByRole('link', { name: title, exact: true }) });
}

/// The titles of the posts listed on the page, in order.
export function listedTitles(page: Page): Locator {
  return page.getByRole('listitem').getByRole('heading', { level: 2 });
}

/// The post shown on a post page: the article whose heading is the page's
/// (a list's articles have level-2 headings), so a list still on screen
/// during a navigation is never taken for it.
export function shownPost(page: Page): Locator {
  return page.getByRole('article').filter({ has: page.getByRole('heading', { level: 1 }) });
}

/// The "N likes" of a post (`within` its list item or `shownPost`).
export function likesOf(within: Locator): Locator {
  return within.getByText(/^\d+ likes$/);
}

/// The "N views" of a post (`within` its list item or `shownPost`).
export function viewsOf(within: Locator): Locator {
  return within.getByText(/^\d+ views$/);
}
