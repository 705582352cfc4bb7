// The dashboard in a real browser against a real server: data sent over OTLP, the native API and
// `loupe demo`; logging in, the list's filters, search and live arrivals, a trace's three views
// and its span panels, and keys of another project or without `read`. Every view is saved as a
// screenshot under test-results/ (light and dark) for a person to look at.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LOUPE, childEnv } from '../helpers/cli.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { consoleErrors, launch, type Opened, type OpenOptions, openPage, shot } from './browser.js';
import { AGENT_TRACE, NATIVE_TRACE, agentExport, lateTrace, nativeBatch } from './dashboard-data.js';

let srv: TestServer;
let browser: Browser;
let otherKey: string;
let ingestOnlyKey: string;
const now = Date.now();

beforeAll(async () => {
  srv = await startTestServer('e2e');
  await promisify(execFile)(process.execPath, [LOUPE, 'demo', '--traces', '40', '--url', srv.url, '--key', srv.key, '--seed', '7'], { env: childEnv() });
  expect((await call(srv.url, '/v1/traces', { key: srv.key, body: agentExport(now - 60_000) })).status).toBe(200);
  expect((await call(srv.url, '/api/v1/ingest', { key: srv.key, body: nativeBatch(now - 120_000) })).status).toBe(200);
  otherKey = await srv.keyFor('other', ['ingest', 'read']);
  await call(srv.url, '/api/v1/ingest', { key: otherKey, body: { traces: [{ id: 'other-only', name: 'other-project-trace', startTime: new Date(now).toISOString() }] } });
  ingestOnlyKey = await srv.keyFor('default', ['ingest']);
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

const open = (path: string, o: OpenOptions = {}): Promise<Opened> => openPage(browser, srv.url, path, o);

const rows = (page: Page) => page.getByTestId('trace-row');
const rowNames = async (page: Page) => page.locator('[data-testid=trace-row] .name').allTextContents();

describe('dashboard', () => {
  test('asks for a key, refuses a wrong one, and shows the list with the right one', async () => {
    const { ctx, page, errors } = await open('/');
    await expect.poll(() => page.locator('#key').isVisible()).toBe(true);
    await shot(page, 'login');
    await page.fill('#key', 'lp_not-a-real-key');
    await page.click('button[type=submit]');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('does not know this key');
    await page.fill('#key', srv.key);
    await page.click('button[type=submit]');
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    expect(await page.getByTestId('who').textContent()).toContain('default');
    // The key is kept for the browser session: a reload stays logged in.
    await page.reload();
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    await page.getByTestId('logout').click();
    await expect.poll(() => page.locator('#key').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('a login link logs in and leaves no key in the address bar', async () => {
    const { ctx, page, errors } = await open('/', { key: srv.key });
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    expect(page.url()).not.toContain('key=');
    for (const dark of [false, true]) {
      const v = await open('/', { key: srv.key, dark, size: [1920, 1080] });
      await expect.poll(() => rows(v.page).count()).toBeGreaterThan(10);
      await shot(v.page, `list-1920-${dark ? 'dark' : 'light'}`);
      expect(v.errors).toEqual([]);
      await v.ctx.close();
    }
    await shot(page, 'list-1280-light');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('filters by status and by a metadata value, held in the URL', async () => {
    const { ctx, page, errors } = await open('/traces', { key: srv.key });
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    await page.getByTestId('f-status').selectOption('error');
    await expect.poll(() => page.url()).toContain('status=error');
    await expect.poll(async () => (await page.locator('[data-testid=trace-row] .status').allTextContents()).every((s) => s.includes('error'))).toBe(true);
    expect(await rowNames(page)).toContain('nightly-report');

    await page.getByTestId('f-status').selectOption('');
    await page.getByTestId('f-metadata.').fill('plan=pro');
    await page.getByTestId('f-metadata.').press('Enter');
    await expect.poll(() => rowNames(page)).toEqual(['weather-agent']);
    expect(decodeURIComponent(page.url())).toContain('metadata.plan=pro');
    await shot(page, 'list-filtered-metadata');
    // The URL alone reproduces the view.
    const again = await open(new URL(page.url()).pathname + new URL(page.url()).search, { key: srv.key });
    await expect.poll(() => rowNames(again.page)).toEqual(['weather-agent']);
    expect(again.errors).toEqual([]);
    await again.ctx.close();
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('the filter box applies an expression and shows where a bad one goes wrong', async () => {
    const { ctx, page, errors } = await open('/traces', { key: srv.key });
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    await page.getByTestId('f-filter').fill('userId = "u-alice" and kind = "retrieval"');
    await page.getByTestId('f-filter').press('Enter');
    await expect.poll(() => rowNames(page)).toEqual(['weather-agent']);
    await page.getByTestId('f-filter').fill('durationMs >> 5');
    await page.getByTestId('f-filter').press('Enter');
    const err = page.getByTestId('filter-error');
    await expect.poll(() => err.textContent()).toMatch(/position \d+/);
    expect(await err.locator('pre').textContent()).toContain('^');
    await shot(page, 'list-filter-error');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('full-text search finds a trace by what its user asked', async () => {
    const { ctx, page, errors } = await open('/traces', { key: srv.key });
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    await page.keyboard.press('/');
    await page.keyboard.type('umbrella');
    await page.keyboard.press('Enter');
    await expect.poll(() => rowNames(page)).toEqual(['weather-agent']);
    expect(page.url()).toContain('q=umbrella');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('a new trace appears on top while live, and not while paused', async () => {
    const { ctx, page, errors } = await open('/traces', { key: srv.key });
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    // A reader scrolled down with a row selected: an arrival moves neither the row nor the selection.
    for (let i = 0; i < 12; i++) await page.keyboard.press('j');
    await page.getByTestId('trace-rows').evaluate((el) => { el.scrollTop = 200; });
    const selected = page.locator('[data-testid=trace-row].selected');
    const selectedId = await selected.getAttribute('data-trace-id');
    const before = (await selected.boundingBox())!.y;
    await call(srv.url, '/api/v1/ingest', { key: srv.key, body: lateTrace(Date.now(), 'late-0') });
    await expect.poll(() => page.getByTestId('list-status').textContent(), { timeout: 15_000 }).toContain('1 arrived live');
    expect(await selected.getAttribute('data-trace-id')).toBe(selectedId);
    expect((await page.locator(`[data-trace-id="${selectedId}"]`).boundingBox())!.y).toBeCloseTo(before, 0);
    await page.getByTestId('trace-rows').evaluate((el) => { el.scrollTop = 0; });
    await expect.poll(() => rows(page).first().getAttribute('data-trace-id')).toBe('late-0');
    await call(srv.url, '/api/v1/ingest', { key: srv.key, body: lateTrace(Date.now(), 'late-1') });
    await expect.poll(() => rows(page).first().getAttribute('data-trace-id'), { timeout: 15_000 }).toBe('late-1');
    await shot(page, 'list-live-arrival');

    await page.getByTestId('live').click();
    await expect.poll(() => page.getByTestId('live').textContent()).toContain('Paused');
    await call(srv.url, '/api/v1/ingest', { key: srv.key, body: lateTrace(Date.now(), 'late-2') });
    await page.waitForTimeout(4500);
    expect(await page.locator('[data-trace-id=late-2]').count()).toBe(0);
    await page.getByTestId('live').click();
    await expect.poll(() => rows(page).first().getAttribute('data-trace-id'), { timeout: 15_000 }).toBe('late-2');

    // More than one poll's page at once: the poll follows the cursor down, and none is skipped.
    const arrivedLive = async () => Number(/(\d+) arrived live/.exec((await page.getByTestId('list-status').textContent()) ?? '')?.[1] ?? 0);
    const already = await arrivedLive();
    const t = Date.now();
    await call(srv.url, '/api/v1/ingest', { key: srv.key, body: { traces: Array.from({ length: 130 }, (_, i) => ({ id: `burst-${i}`, name: 'burst', startTime: new Date(t - i).toISOString() })) } });
    await expect.poll(arrivedLive, { timeout: 15_000 }).toBe(already + 130);
    expect(await page.getByTestId('live-gap').count()).toBe(0);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('a trace opens in tree, timeline and flame views, with chat, tool call, documents and error', async () => {
    const { ctx, page, errors } = await open('/traces?metadata.plan=pro', { key: srv.key });
    await expect.poll(() => rowNames(page)).toEqual(['weather-agent']);
    await rows(page).first().click();
    await expect.poll(() => page.url()).toContain(`/traces/${AGENT_TRACE}`);
    await expect.poll(() => page.getByTestId('span-row').count()).toBe(5);
    const head = page.getByTestId('trace-head');
    expect(await head.textContent()).toContain('u-alice');
    expect(await head.textContent()).toContain('sess-oslo');
    expect(await head.textContent()).toContain('plan = pro');

    // The LLM call that asked for the tool: a chat with the call's arguments.
    await page.locator('[data-testid=span-row]', { hasText: 'plan-step' }).click();
    const panel = page.getByTestId('span-panel');
    await expect.poll(() => panel.getByTestId('chat-message').count()).toBeGreaterThanOrEqual(3);
    expect(await panel.locator('[data-testid=chat-message][data-role=system]').textContent()).toContain('helpful weather assistant');
    const call1 = panel.getByTestId('tool-call');
    expect(await call1.textContent()).toContain('get_weather');
    expect(await call1.textContent()).toContain('"city": "Oslo"');
    expect(await panel.textContent()).toContain('gpt-4o-mini');
    await shot(page, 'detail-tree-llm-light');

    // The failing tool: its message, type and stack.
    await page.locator('[data-testid=span-row]', { hasText: 'get_weather' }).click();
    const err = panel.getByTestId('span-error');
    await expect.poll(() => err.textContent()).toContain('upstream did not answer in 250 ms');
    expect(await err.textContent()).toContain('WeatherServiceTimeout');
    await shot(page, 'detail-tool-error');

    // The retrieval: documents ranked with their scores.
    await page.locator('[data-testid=span-row]', { hasText: 'search-forecasts' }).click();
    await expect.poll(() => panel.getByTestId('document').count()).toBe(2);
    const docs = await panel.getByTestId('document').allTextContents();
    expect(docs[0]).toContain('doc-met-no');
    expect(docs[0]).toContain('0.920');
    expect(docs[1]).toContain('Yr: showers');
    await shot(page, 'detail-retrieval');

    // The same selection in the timeline and the flame view.
    await page.getByTestId('view-timeline').click();
    await expect.poll(() => page.getByTestId('timeline-row').count()).toBe(5);
    expect(await page.locator('[data-testid=timeline-row].selected').textContent()).toContain('search-forecasts');
    // The retrieval ran beside the failing tool and ended first: the trace's end did not wait on it.
    expect(await page.locator('.tl-bar.critical').count()).toBe(4);
    expect(await page.locator('[data-testid=timeline-row]', { hasText: 'search-forecasts' }).locator('.tl-bar.critical').count()).toBe(0);
    await shot(page, 'detail-timeline');
    // Dragging across the bars zooms the axis into that range.
    const lane = (await page.locator('.tl-lane').first().boundingBox())!;
    await page.mouse.move(lane.x + lane.width * 0.3, lane.y + 10);
    await page.mouse.down();
    await page.mouse.move(lane.x + lane.width * 0.6, lane.y + 10, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('zoom-reset').isEnabled()).toBe(true);
    await shot(page, 'detail-timeline-zoomed');
    await page.getByTestId('zoom-reset').click();
    await page.getByTestId('view-flame').click();
    await expect.poll(() => page.getByTestId('flame-box').count()).toBe(5);
    expect(await page.locator('[data-testid=flame-box].selected').textContent()).toContain('search-forecasts');
    // The tool and the retrieval ran in parallel: side by side, not on top of each other.
    const tool = (await page.locator('[data-testid=flame-box]', { hasText: 'get_weather' }).boundingBox())!;
    const retrieval = (await page.locator('[data-testid=flame-box]', { hasText: 'search-forecasts' }).boundingBox())!;
    expect(tool.y).toBe(retrieval.y);
    expect(tool.x + tool.width).toBeLessThanOrEqual(retrieval.x + 1);
    await shot(page, 'detail-flame');
    await page.getByTestId('flame-by-cost').click();
    expect(await page.locator('[data-testid=flame-box].by-cost').count()).toBe(5);
    await shot(page, 'detail-flame-by-cost');
    expect(page.url()).toContain('view=flame');

    // Collapsed, the root shows what its subtree holds.
    await page.getByTestId('view-tree').click();
    await page.locator('[data-testid=span-row]', { hasText: 'weather-agent' }).getByTestId('toggle').click();
    await expect.poll(() => page.getByTestId('span-row').count()).toBe(1);
    const folded = await page.getByTestId('span-row').textContent();
    expect(folded).toContain('+4');
    expect(folded).toContain('Σ 462');
    await shot(page, 'detail-tree-collapsed');
    await page.locator('[data-testid=span-row]', { hasText: 'weather-agent' }).getByTestId('toggle').click();

    // Search across every span of the trace.
    await page.getByTestId('span-search').fill('Met.no');
    await expect.poll(() => page.getByTestId('match-count').textContent()).toBe('1 match');

    // Esc goes back to the list it came from.
    await page.getByTestId('span-search').press('Escape');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.url()).toContain('metadata.plan=pro');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('the detail views render in dark mode too', async () => {
    for (const view of ['tree', 'timeline', 'flame']) {
      const { ctx, page, errors } = await open(`/traces/${AGENT_TRACE}?view=${view}&span=0000000000000002`, { key: srv.key, dark: true });
      await expect.poll(() => page.getByTestId('span-panel').isVisible()).toBe(true);
      await shot(page, `detail-${view}-dark`);
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });

  test('keyboard: j/k move through the list, enter opens, esc comes back to the same row', async () => {
    const { ctx, page, errors } = await open('/traces', { key: srv.key });
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const id = await page.locator('[data-testid=trace-row].selected').getAttribute('data-trace-id');
    expect(id).toBe(await rows(page).first().getAttribute('data-trace-id'));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain(`/traces/${encodeURIComponent(id!)}`);
    await expect.poll(() => page.getByTestId('trace-head').isVisible()).toBe(true);
    await page.keyboard.press('j');
    await page.keyboard.press('Escape');
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    // Back on the list, the row the reader left from is still the selected one.
    expect(await page.locator('[data-testid=trace-row].selected').getAttribute('data-trace-id')).toBe(id);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('back from a trace returns to the same scroll position and row', async () => {
    const { ctx, page, errors } = await open('/traces', { key: srv.key });
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    const body = page.getByTestId('trace-rows');
    await body.evaluate((el) => { el.scrollTop = 300; });
    const box = (await body.boundingBox())!;
    await page.mouse.click(box.x + 300, box.y + 150);
    await expect.poll(() => page.url()).toMatch(/\/traces\/[^?]+/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
    await expect.poll(() => page.getByTestId('trace-head').isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    expect(await body.evaluate((el) => el.scrollTop)).toBe(300);
    expect(await page.locator('[data-testid=trace-row].selected').getAttribute('data-trace-id')).toBe(id);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('a new tab of the dashboard is logged in by the open one, and logging out logs out both', async () => {
    const { ctx, page, errors } = await open('/traces', { key: srv.key });
    await expect.poll(() => rows(page).count()).toBeGreaterThan(10);
    const second = await ctx.newPage();
    const secondErrors = consoleErrors(second);
    await second.goto(`${srv.url}/traces?status=error`);
    await expect.poll(() => rows(second).count()).toBeGreaterThan(0);
    await second.getByTestId('logout').click();
    await expect.poll(() => page.locator('#key').isVisible()).toBe(true);
    expect([...errors, ...secondErrors]).toEqual([]);
    await ctx.close();
  });

  test("another project's key shows none of this project's traces", async () => {
    const { ctx, page, errors } = await open('/traces', { key: otherKey });
    await expect.poll(() => rowNames(page)).toEqual(['other-project-trace']);
    expect(await page.getByTestId('who').textContent()).toContain('other');
    const detail = await open(`/traces/${AGENT_TRACE}`, { key: otherKey });
    await expect.poll(() => detail.page.getByTestId('detail-error').textContent()).toContain('No such trace');
    await shot(detail.page, 'detail-other-project');
    await detail.ctx.close();
    await page.goto(`${srv.url}/traces?q=umbrella`);
    await expect.poll(() => page.getByTestId('empty').textContent()).toContain('No trace matches');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('a key without read is told what it lacks', async () => {
    const { ctx, page, errors } = await open('/traces', { key: ingestOnlyKey });
    await expect.poll(() => page.getByTestId('no-read').textContent()).toContain('needs a key with read');
    await shot(page, 'no-read-key');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('an empty project says how to send traces', async () => {
    const emptyKey = await srv.keyFor('empty', ['read', 'ingest']);
    const { ctx, page, errors } = await open('/traces', { key: emptyKey });
    await expect.poll(() => page.getByTestId('empty').textContent()).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    await shot(page, 'list-empty-project');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test(`the native trace ${NATIVE_TRACE} shows its feedback score in the list`, async () => {
    const { ctx, page, errors } = await open('/traces?userId=u-batch', { key: srv.key });
    await expect.poll(() => rowNames(page)).toEqual(['nightly-report']);
    expect(await rows(page).first().locator('[aria-label="thumbs down"]').count()).toBe(1);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
