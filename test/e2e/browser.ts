// Browser tests drive Debian's chromium through playwright-core (no browser is ever downloaded),
// with the flags this machine needs, and collect every console error a page logs.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO } from '../helpers/cli.js';

export const CHROMIUM = process.env.LOUPE_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = join(REPO, 'test-results');

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Console errors and uncaught exceptions of a page, for a test to assert there were none. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    // A 4xx the test provokes on purpose is logged by the browser as a failed resource; the
    // dashboard itself must log nothing.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  return errors;
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** A page of its own context, the console errors it logs, and the context to close. */
export interface Opened { ctx: BrowserContext; page: Page; errors: string[] }

export interface OpenOptions {
  /** Logged in with this key (put in the URL's fragment, as the banner's link does); none: logged out. */
  key?: string;
  dark?: boolean;
  size?: [number, number];
  /** Runs on the new context before the page loads (permissions, routes). */
  context?: (ctx: BrowserContext) => Promise<void>;
  /** Runs on the page before it loads (request listeners). */
  before?: (page: Page) => void;
}

/** Opens `base + path` in a fresh context of the given size and colour scheme. */
export async function openPage(browser: Browser, base: string, path: string, o: OpenOptions = {}): Promise<Opened> {
  const [width, height] = o.size ?? [1280, 800];
  const ctx = await browser.newContext({ viewport: { width, height }, colorScheme: o.dark ? 'dark' : 'light' });
  await o.context?.(ctx);
  const page = await ctx.newPage();
  const errors = consoleErrors(page);
  o.before?.(page);
  const sep = path.includes('#') ? '&' : '#';
  await page.goto(`${base}${path}${o.key === undefined ? '' : `${sep}key=${encodeURIComponent(o.key)}`}`);
  return { ctx, page, errors };
}

/**
 * A view in light and dark, each in a context of its own: `ready` brings the page to the state
 * to show; the screenshots are `<name>-light` and `<name>-dark`, and the page logs no error.
 */
export async function shotsInBothThemes(open: (dark: boolean) => Promise<Opened>, name: string, ready: (page: Page) => Promise<unknown>): Promise<void> {
  for (const dark of [false, true]) {
    const v = await open(dark);
    await ready(v.page);
    await shot(v.page, `${name}-${dark ? 'dark' : 'light'}`);
    expect(v.errors).toEqual([]);
    await v.ctx.close();
  }
}
