import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where the browser tests keep their screenshots (gitignored): test-artifacts/web/*.png from the checkout's root. */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'web');

/**
 * Debian's Chromium (scripts/browser.sh installs it; CHROMIUM_PATH overrides), headless, one
 * per test file. `--no-sandbox`: the tests run as root, where Chromium's sandbox refuses to start.
 */
export function useBrowser(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(() => browser?.close());
  return {
    get browser() {
      if (!browser) throw new Error('the browser is not started yet');
      return browser;
    },
  };
}

/** A full-page screenshot kept as a test artefact; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Every console error and failed request of a page, to assert a view ran clean (a CSP violation shows up here). */
export function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return problems;
}
