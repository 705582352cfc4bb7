// The dashboard's Metrics page and feedback in a real browser against a real server: traces over
// six hours with three models, two environments, errors, tokens and costs, read back from the
// charts (drawn, totals as ingested, range and grouping in the URL and kept on reload); a click on
// a bucket and series into the trace list filtered to it; 30 days of 1-minute buckets timed from
// data to pixels and swept with the cursor while watching for long tasks; and thumbs down with a
// comment on a trace and on a span, found again through the list's score filter. Every view is
// saved as a screenshot under test-results/ (metrics-*, feedback-*), light and dark.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { launch, type Opened, type OpenOptions, openPage, shot, SHOTS } from './browser.js';

let srv: TestServer;
let browser: Browser;
let perfKey: string;

const HOUR = 3_600_000;
const MINUTE = 60_000;
// Six whole hours that ended at least an hour ago, so "now" never cuts a bucket.
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 8 * HOUR;
const HOURS = 6;
const PER_HOUR = 10;
const N = HOURS * PER_HOUR;
const model = (i: number) => (i % 6 < 3 ? 'gpt-4o' : i % 6 < 5 ? 'gpt-4o-mini' : 'claude-3-5-sonnet');
const isError = (i: number) => i % 5 === 0;
const env = (i: number) => (i % 4 === 0 ? 'staging' : 'production');
const start = (i: number) => T0 + Math.floor(i / PER_HOUR) * HOUR + (i % PER_HOUR) * 5 * MINUTE + 1000;
const traceId = (i: number) => `mx-${String(i).padStart(3, '0')}`;
const PERF_MINUTES = 30 * 24 * 60;

function batch(): Record<string, unknown> {
  const traces = [];
  const spans = [];
  for (let i = 0; i < N; i++) {
    const t = start(i);
    const dur = 200 + i * 10;
    traces.push({ id: traceId(i), name: i % 2 ? 'support chat' : 'summarise', status: isError(i) ? 'error' : 'success', startTime: new Date(t).toISOString(), endTime: new Date(t + dur).toISOString(), environment: env(i), userId: `u-${i % 3}` });
    spans.push({ id: `${traceId(i)}-llm`, traceId: traceId(i), name: 'answer', kind: 'llm', model: model(i), provider: 'test', status: isError(i) ? 'error' : 'ok', ...(isError(i) ? { error: 'rate limited' } : {}),
      startTime: new Date(t + 10).toISOString(), endTime: new Date(t + dur - 10).toISOString(), usage: { inputTokens: 100 + i, outputTokens: 20, cacheReadTokens: 50 }, costUsd: 0.001 * (i + 1),
      input: [{ role: 'user', content: `question ${i}` }], output: { role: 'assistant', content: `answer ${i}` } });
    if (i % 3 === 0) spans.push({ id: `${traceId(i)}-tool`, traceId: traceId(i), name: 'lookup', kind: 'tool', startTime: new Date(t + 20).toISOString(), endTime: new Date(t + 60).toISOString(), input: { q: i } });
  }
  return { traces, spans };
}

beforeAll(async () => {
  srv = await startTestServer('e2e-metrics');
  expect((await call(srv.url, '/api/v1/ingest', { key: srv.key, body: batch() })).status).toBe(200);
  // 30 days of one trace a minute, in a project of its own, for the smoothness figure.
  perfKey = await srv.keyFor('perf', ['ingest', 'read']);
  const now = Date.now();
  for (let from = 0; from < PERF_MINUTES; from += 4000) {
    const traces = [];
    for (let k = from; k < Math.min(PERF_MINUTES, from + 4000); k++) {
      const t = now - (k + 0.5) * MINUTE;
      traces.push({ id: `perf-${k}`, name: 'tick', status: k % 17 === 0 ? 'error' : 'success', startTime: new Date(t).toISOString(), endTime: new Date(t + 100 + (k % 400)).toISOString() });
    }
    expect((await call(srv.url, '/api/v1/ingest', { key: perfKey, body: { traces } })).status).toBe(200);
  }
  browser = await launch();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

const open = (path: string, o: OpenOptions = {}): Promise<Opened> => openPage(browser, srv.url, path, { key: srv.key, size: [1280, 900], ...o });

const iso = (ms: number) => new Date(ms).toISOString();
const WINDOW = `from=${encodeURIComponent(iso(T0))}&to=${encodeURIComponent(iso(T0 + HOURS * HOUR))}&interval=1h`;

/** The totals under a chart: {series label: text}. */
async function totals(page: Page, card: string): Promise<Record<string, string>> {
  const items = page.getByTestId(`card-${card}`).getByTestId('total');
  const out: Record<string, string> = {};
  for (const el of await items.all()) out[(await el.getAttribute('data-series'))!] = (await el.locator('b').textContent())!;
  return out;
}

/** How many pixels of a chart's canvas are drawn on (not transparent). */
// Browser-side code is passed as text: the root TypeScript project has no DOM types.
const inkOf = (page: Page, card: string) => page.evaluate(`(() => {
  const c = document.querySelector('[data-testid="chart-${card}"] canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
})()`) as Promise<number>;

const chartsReady = (page: Page) => expect.poll(() => page.getByTestId('chart-cost').locator('canvas').count(), { timeout: 60_000 }).toBe(1);

describe('dashboard metrics', () => {
  test('the charts draw what was ingested, grouped by model, with range and grouping in the URL (kept on reload)', async () => {
    const { ctx, page, errors } = await open(`/metrics?${WINDOW}&groupBy=model`);
    await chartsReady(page);
    const byModel: Record<string, number> = {};
    for (let i = 0; i < N; i++) byModel[model(i)] = (byModel[model(i)] ?? 0) + 1;
    const expected = Object.fromEntries(Object.entries(byModel).map(([k, v]) => [k, String(v)]));
    expect(await totals(page, 'traces')).toEqual(expected);
    // Every trace has one llm span, a third a tool span too: spans by model count the (none) group.
    expect(await totals(page, 'spans')).toEqual({ ...expected, '(none)': String(Math.ceil(N / 3)) });
    const costOf = (m: string) => Array.from({ length: N }, (_, i) => i).filter((i) => model(i) === m).reduce((a, i) => a + 0.001 * (i + 1), 0);
    const cost = await totals(page, 'cost');
    const c = costOf('gpt-4o');
    expect(cost['gpt-4o']).toBe(`$${c < 1 ? c.toFixed(4) : c.toFixed(2)}`);
    const errs = await totals(page, 'errors');
    const errsOf = (m: string) => Array.from({ length: N }, (_, i) => i).filter((i) => model(i) === m && isError(i)).length;
    expect(errs['gpt-4o']).toContain(`(${errsOf('gpt-4o')})`);
    for (const card of ['traces', 'spans', 'errors', 'latency', 'tokens', 'cost']) expect(await inkOf(page, card), card).toBeGreaterThan(500);
    // uPlot's own legend names the series too.
    expect(await page.getByTestId('chart-traces').locator('.u-legend .u-label').allTextContents()).toEqual(['Time', 'gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet']);
    expect(await page.getByTestId('m-groupBy').inputValue()).toBe('model');
    expect(await page.getByTestId('m-buckets').textContent()).toBe('6 buckets of 1h');
    for (const dark of [false, true]) {
      const v = await open(`/metrics?${WINDOW}&groupBy=model`, { dark, size: [1400, 1000] });
      await chartsReady(v.page);
      await shot(v.page, `metrics-by-model-${dark ? 'dark' : 'light'}`);
      expect(v.errors).toEqual([]);
      await v.ctx.close();
    }

    // The grouping and top N are URL state: change them, reload, and they hold.
    await page.getByTestId('m-groupBy').selectOption('environment');
    await expect.poll(() => new URL(page.url()).searchParams.get('groupBy')).toBe('environment');
    await expect.poll(() => totals(page, 'traces')).toEqual({ production: String(N - N / 4), staging: String(N / 4) });
    await page.getByTestId('m-groupBy').selectOption('userId');
    await page.getByTestId('m-top').selectOption('3');
    await expect.poll(() => new URL(page.url()).searchParams.get('top')).toBe('3');
    await page.reload();
    await chartsReady(page);
    const url = new URL(page.url());
    expect(url.searchParams.get('groupBy')).toBe('userId');
    expect(url.searchParams.get('from')).toBe(iso(T0));
    expect(url.searchParams.get('interval')).toBe('1h');
    expect(await page.getByTestId('m-groupBy').inputValue()).toBe('userId');
    expect(await totals(page, 'traces')).toEqual({ 'u-0': '20', 'u-1': '20', 'u-2': '20' });
    // Top 2 of 3 users: the third becomes "other".
    await page.goto(`${srv.url}/metrics?${WINDOW}&groupBy=userId&top=2`);
    await chartsReady(page);
    expect(Object.keys(await totals(page, 'traces'))).toEqual(['u-0', 'u-1', 'other']);
    expect(errors).toEqual([]);
    await ctx.close();

    for (const dark of [false, true]) {
      const v = await open(`/metrics?${WINDOW}&level=span`, { dark, size: [1400, 1000] });
      await chartsReady(v.page);
      expect(await totals(v.page, 'traces')).toEqual({ all: String(N) });
      expect(await totals(v.page, 'tokens')).toEqual({
        input: (Array.from({ length: N }, (_, i) => 100 + i).reduce((a, b) => a + b, 0)).toLocaleString('en-US'), output: (20 * N).toLocaleString('en-US'),
        'cache read': (50 * N).toLocaleString('en-US'), 'cache write': '0',
      });
      await shot(v.page, `metrics-all-spans-${dark ? 'dark' : 'light'}`);
      expect(v.errors).toEqual([]);
      await v.ctx.close();
    }
   }, 300_000);

  test('a click on a bucket and series opens the trace list filtered to that hour and model', async () => {
    const { ctx, page, errors } = await open(`/metrics?${WINDOW}&groupBy=model`);
    await chartsReady(page);
    const k = 2;
    const over = page.getByTestId('chart-traces').locator('.u-over');
    const box = (await over.boundingBox())!;
    const x = (k / (HOURS - 1)) * box.width;
    // Hover the bucket, read where uPlot put the gpt-4o point (its first series), and click there.
    await page.mouse.move(box.x + x, box.y + box.height / 2);
    const pt = page.getByTestId('chart-traces').locator('.u-cursor-pt').nth(1);
    const transform = await pt.getAttribute('style') ?? '';
    const m = /translate\(([-\d.]+)px,\s*([-\d.]+)px\)/.exec(transform);
    expect(m, transform).not.toBeNull();
    await page.mouse.click(box.x + x, box.y + Number(m![2]));
    await expect.poll(() => new URL(page.url()).pathname).toBe('/traces');
    const url = new URL(page.url());
    expect(url.searchParams.get('from')).toBe(iso(T0 + k * HOUR));
    expect(url.searchParams.get('to')).toBe(iso(T0 + (k + 1) * HOUR));
    expect(url.searchParams.get('model')).toBe('gpt-4o');
    const want = Array.from({ length: N }, (_, i) => i).filter((i) => Math.floor(i / PER_HOUR) === k && model(i) === 'gpt-4o').map(traceId).sort();
    await expect.poll(async () => (await page.getByTestId('trace-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id')))).sort(), { timeout: 30_000 }).toEqual(want);
    await shot(page, 'metrics-bucket-to-list-light');
    const dark = await open(`${url.pathname}${url.search}`, { dark: true });
    await expect.poll(() => dark.page.getByTestId('trace-row').count(), { timeout: 30_000 }).toBe(want.length);
    await shot(dark.page, 'metrics-bucket-to-list-dark');
    expect(dark.errors).toEqual([]);
    await dark.ctx.close();

    // The error rate chart's bucket adds status=error; ungrouped, no group filter.
    await page.goto(`${srv.url}/metrics?${WINDOW}`);
    await chartsReady(page);
    const ebox = (await page.getByTestId('chart-errors').locator('.u-over').boundingBox())!;
    await page.mouse.move(ebox.x + ebox.width - 2, ebox.y + ebox.height / 2);
    await page.mouse.click(ebox.x + ebox.width - 2, ebox.y + ebox.height / 2);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/traces');
    const eu = new URL(page.url());
    expect(eu.searchParams.get('status')).toBe('error');
    expect(eu.searchParams.get('from')).toBe(iso(T0 + (HOURS - 1) * HOUR));
    expect(eu.searchParams.get('model')).toBeNull();
    const wantErr = Array.from({ length: N }, (_, i) => i).filter((i) => Math.floor(i / PER_HOUR) === HOURS - 1 && isError(i)).map(traceId).sort();
    await expect.poll(async () => (await page.getByTestId('trace-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id')))).sort(), { timeout: 30_000 }).toEqual(wantErr);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('30 days of 1-minute buckets: time from data to drawn, and a cursor sweep without long tasks', async () => {
    const t = Date.now();
    const { ctx, page, errors } = await open('/metrics?range=30d&interval=1m', { key: perfKey, size: [1400, 1000] });
    await chartsReady(page);
    console.log(`30d × 1m: charts on screen ${Date.now() - t} ms after the page was opened`);
    expect(await page.getByTestId('m-buckets').textContent()).toBe('43,200 buckets of 1m');
    await expect.poll(() => totals(page, 'traces'), { timeout: 30_000 }).toEqual({ all: expect.stringMatching(/^43,(19\d|200)$/) });
    // Let the last draws settle, then read the marks: data arrived → each chart's first draw after it.
    await page.waitForTimeout(500);
    const timing = await page.evaluate(`(() => {
      const marks = performance.getEntriesByType('mark');
      const data = Math.max(...marks.filter((m) => m.name.startsWith('metrics-data:')).map((m) => m.startTime));
      const firsts = new Map();
      for (const m of marks) if (m.name.startsWith('metrics-drawn:') && m.startTime >= data && !firsts.has(m.name)) firsts.set(m.name, m.startTime);
      return { charts: firsts.size, dataToDrawnMs: Math.max(...firsts.values()) - data };
    })()`) as { charts: number; dataToDrawnMs: number };
    expect(timing.charts).toBe(6);
    expect(await page.locator('.mx-plot').count()).toBe(6);

    // A sweep across the traces chart: 200 cursor moves, long tasks observed meanwhile.
    await page.evaluate(`(() => {
      window.__long = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask' });
    })()`);
    const over = (await page.getByTestId('chart-traces').locator('.u-over').boundingBox())!;
    const t0 = Date.now();
    const STEPS = 200;
    for (let i = 0; i <= STEPS; i++) await page.mouse.move(over.x + (i / STEPS) * over.width, over.y + over.height / 2);
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    const sweepMs = Date.now() - t0;
    const longTasks = await page.evaluate('window.__long') as number[];
    const figure = { buckets: 43_200, charts: 6, dataToDrawnMs: Math.round(timing.dataToDrawnMs), sweepMoves: STEPS + 1, sweepMs, longTasks: longTasks.length, longestTaskMs: Math.round(Math.max(0, ...longTasks)) };
    writeFileSync(join(SHOTS, 'metrics-30d-1m.json'), `${JSON.stringify(figure, null, 2)}\n`);
    console.log('metrics 30d × 1m:', JSON.stringify(figure));
    // Alone, the sweep has no long task at all; beside other browser tests on the shared 2-core
    // machine (load average ~11) one of 73 ms was seen, the page waiting for a CPU: what must never
    // happen is a frame the reader feels as a stall.
    expect(longTasks.filter((d) => d > 100)).toEqual([]);
    expect(timing.dataToDrawnMs).toBeLessThan(3000);
    await shot(page, 'metrics-30d-1m-light');
    expect(errors).toEqual([]);
    await ctx.close();
    const v = await open('/metrics?range=30d&interval=1m', { key: perfKey, dark: true, size: [1400, 1000] });
    await chartsReady(v.page);
    await v.page.waitForTimeout(300);
    await shot(v.page, 'metrics-30d-1m-dark');
    await v.ctx.close();
  }, 600_000);
});

describe('dashboard feedback', () => {
  const TRACE = traceId(7);
  const SPAN = `${TRACE}-llm`;

  test('thumbs down with a comment on a trace and on a span, then the trace found by score.thumbs=down with its chip', async () => {
    const { ctx, page, errors } = await open(`/traces/${TRACE}`);
    const head = page.getByTestId('trace-head');
    await head.getByTestId('fb-down').click();
    // Shown at once, before the server answers back.
    await expect.poll(() => head.getByTestId('fb-down').getAttribute('aria-pressed')).toBe('true');
    await head.getByTestId('fb-comment').fill('the answer cited the wrong order');
    await head.getByTestId('fb-send').click();
    await expect.poll(() => head.locator('.badge.score.bad').count()).toBeGreaterThan(0);
    await expect.poll(() => head.locator('.fb-said').textContent()).toContain('the answer cited the wrong order');

    await page.goto(`${srv.url}/traces/${TRACE}?span=${SPAN}`);
    const panel = page.getByTestId('span-panel');
    await expect.poll(() => panel.getAttribute('data-span-id')).toBe(SPAN);
    await panel.getByTestId('fb-down').click();
    await panel.getByTestId('fb-comment').fill('hallucinated a refund policy');
    await panel.getByTestId('fb-send').click();
    await expect.poll(() => panel.locator('.sp-scores .badge.score.bad').count()).toBe(1);
    await expect.poll(() => panel.locator('.fb-said').textContent()).toContain('hallucinated a refund policy');

    // Stored as user scores, one per trace and span, with the comments.
    await expect.poll(async () => (await call(srv.url, `/api/v1/scores?traceId=${TRACE}&source=user`, { key: srv.key })).json.data
      .map((s: { spanId: string | null; value: string; comment: string }) => `${s.spanId ?? '-'} ${s.value} ${s.comment}`).sort())
      .toEqual([`${SPAN} down hallucinated a refund policy`, '- down the answer cited the wrong order'].sort());
    // A change of mind replaces the trace's thumbs rather than adding one.
    await page.getByTestId('trace-head').getByTestId('fb-up').click();
    await expect.poll(async () => (await call(srv.url, `/api/v1/scores?traceId=${TRACE}&source=user&name=thumbs`, { key: srv.key })).json.data.map((s: { spanId: string | null; value: string }) => `${s.spanId ?? '-'} ${s.value}`).sort())
      .toEqual([`${SPAN} down`, '- up'].sort());
    await page.getByTestId('trace-head').getByTestId('fb-down').click();
    await expect.poll(async () => (await call(srv.url, `/api/v1/scores?traceId=${TRACE}&source=user&name=thumbs`, { key: srv.key })).json.data.filter((s: { value: string }) => s.value === 'down').length).toBe(2);
    await page.reload();
    await expect.poll(() => page.getByTestId('trace-head').getByTestId('fb-down').getAttribute('aria-pressed')).toBe('true');
    for (const dark of [false, true]) {
      const v = await open(`/traces/${TRACE}?span=${SPAN}`, { dark });
      await expect.poll(() => v.page.getByTestId('span-panel').locator('.sp-scores .badge.score.bad').count()).toBe(1);
      await shot(v.page, `feedback-trace-and-span-${dark ? 'dark' : 'light'}`);
      expect(v.errors).toEqual([]);
      await v.ctx.close();
    }

    // The list's score control: thumbs = down, added to the URL, finds this trace only.
    await page.goto(`${srv.url}/traces`);
    await expect.poll(() => page.getByTestId('trace-row').count()).toBeGreaterThan(10);
    await page.getByTestId('f-score-name').fill('thumbs');
    await page.getByTestId('f-score-value').fill('down');
    await page.getByTestId('f-score-value').press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('score.thumbs')).toBe('down');
    await expect.poll(() => page.getByTestId('trace-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id')))).toEqual([TRACE]);
    const row = page.getByTestId('trace-row').first();
    expect(await row.locator('.badge.score.bad').count()).toBe(1);
    expect(await page.getByTestId('filter-chip').allTextContents()).toContain('score thumbs = down×');
    // A numeric condition through the operator: thumbs are not numbers, so nothing matches.
    await page.getByTestId('f-score-op').selectOption('>=');
    await page.getByTestId('f-score-value').fill('1');
    await page.getByTestId('f-score-add').click();
    await expect.poll(() => new URL(page.url()).search).toContain('score.thumbs%3E=1');
    await expect.poll(() => page.getByTestId('trace-row').count()).toBe(0);
    expect(errors).toEqual([]);
    await ctx.close();
    for (const dark of [false, true]) {
      const v = await open('/traces?score.thumbs=down', { dark });
      await expect.poll(() => v.page.getByTestId('trace-row').count()).toBe(1);
      await shot(v.page, `feedback-list-filtered-${dark ? 'dark' : 'light'}`);
      expect(v.errors).toEqual([]);
      await v.ctx.close();
    }
  });
});
