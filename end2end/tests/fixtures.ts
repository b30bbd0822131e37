import { test as base, expect, type ConsoleMessage, type Page } from '@playwright/test';

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
    async ({ page }, use, testInfo) => {
      const watch = new ConsoleWatch();
      if (!jsEnabled(testInfo)) {
        // The page preloads the client's .wasm for hydration; with scripts
        // off nothing uses it and chromium says so. Nothing else is allowed.
        watch.allow(/bulletin\.wasm was preloaded using link preload but not used/);
      }
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

/// Waits until the client has hydrated the server's HTML.
export async function hydrated(page: Page): Promise<void> {
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}
