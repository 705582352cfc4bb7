// The dashboard's budget, measured: initial JS gzipped, first paint of the trace list on the
// full query database (1M traces), and a 5,000-span trace opened to an interactive tree, then
// scrolled (frame times). Debian's chromium through playwright-core, on 127.0.0.1.
// `npm run bench:dashboard [-- --quick] [--runs N]`; results in bench/results/dashboard-<date>.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { chromium, type Page } from 'playwright-core';
import { ensureQueryDb } from './lib/query-db.js';
import { startServerProcess } from './lib/server.js';
import { percentile as sortedPercentile } from './lib/stats.js';

const ROOT = new URL('../', import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsAt = args.indexOf('--runs');
const RUNS = runsAt === -1 ? 10 : Number(args[runsAt + 1]);
const log = (s: string) => process.stderr.write(`${s}\n`);
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The JS and CSS index.html loads before anything renders, gzipped as a server would send them. */
function initialBytes(): { js: number; css: number; jsRaw: number } {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  const dist = join(ROOT, 'web/dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(js|css))"/g)];
  const out = { js: 0, css: 0, jsRaw: 0 };
  for (const [, path, ext] of files) {
    const body = readFileSync(join(dist, path));
    const gz = gzipSync(body, { level: 9 }).length;
    if (ext === 'js') { out.js += gz; out.jsRaw += body.length; } else out.css += gz;
  }
  return out;
}

/** What the measuring code uses in the page (the bench itself compiles without DOM types). */
interface PageGlobals {
  requestAnimationFrame(cb: (t: number) => void): number;
  __frames: number[];
  __stop: boolean;
}

/** ms from navigation start until a selector is in the DOM and a frame has painted it. */
async function paintTime(page: Page, url: string, selector: string): Promise<number> {
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector(selector, { timeout: 30_000 });
  return page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return new Promise<number>((resolve) => g.requestAnimationFrame(() => g.requestAnimationFrame(() => resolve(performance.now()))));
  });
}

/** Scrolls an element by wheel steps and returns the frame intervals seen meanwhile (ms). */
async function scrollFrames(page: Page, selector: string, steps: number): Promise<number[]> {
  await page.hover(selector);
  // A string, not a function: tsx names inner functions with a helper the page does not have.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__stop = false;
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (!window.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  for (let i = 0; i < steps; i++) {
    await page.mouse.wheel(0, 600);
    await page.waitForTimeout(16);
  }
  return page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.__stop = true;
    return w.__frames.slice(1);
  });
}

const round = (n: number) => Math.round(n * 10) / 10;
const percentile = (xs: number[], p: number) => sortedPercentile([...xs].sort((a, b) => a - b), p);

async function main() {
  const bytes = initialBytes();
  log(`initial JS ${(bytes.js / 1024).toFixed(1)} KB gzipped (${(bytes.jsRaw / 1024).toFixed(0)} KB raw), CSS ${(bytes.css / 1024).toFixed(1)} KB gzipped`);

  const dir = join(ROOT, 'bench/data', quick ? 'query-quick' : 'query-full');
  const meta = await ensureQueryDb(dir, quick ? 20_000 : 1_000_000, 10, log);
  const server = await startServerProcess(dir);
  const browser = await chromium.launch({ executablePath: process.env.LOUPE_CHROMIUM ?? '/usr/bin/chromium', args: FLAGS });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Log in once (the key stays in sessionStorage for the context's pages).
    await page.goto(`${server.url}/#key=${encodeURIComponent(server.key)}`);
    await page.waitForSelector('[data-testid=trace-row]', { timeout: 60_000 });

    const list: number[] = [];
    for (let i = 0; i < RUNS; i++) list.push(await paintTime(page, `${server.url}/traces?i=${i}`, '[data-testid=trace-row]'));
    log(`trace list first paint: p50 ${round(percentile(list, 50))} ms, p95 ${round(percentile(list, 95))} ms (${meta.traces} traces)`);

    const open: number[] = [];
    const clickable: number[] = [];
    for (let i = 0; i < Math.max(3, Math.floor(RUNS / 2)); i++) {
      const t = await paintTime(page, `${server.url}/traces/${meta.detail5000}?i=${i}`, '[data-testid=span-row]');
      open.push(t);
      // Interactive: a click on a row selects it and its panel shows within the same measure.
      const t0 = await page.evaluate(() => performance.now());
      await page.locator('[data-testid=span-row]').nth(3).click();
      await page.waitForSelector('[data-testid=span-row].selected >> nth=0');
      clickable.push((await page.evaluate(() => performance.now())) - t0);
    }
    log(`5,000-span trace to a painted tree: p50 ${round(percentile(open, 50))} ms, p95 ${round(percentile(open, 95))} ms; a click selects in p50 ${round(percentile(clickable, 50))} ms`);

    const frames = await scrollFrames(page, '[data-testid=tree-view]', 60);
    const long = frames.filter((f) => f > 50).length;
    log(`tree scroll: ${frames.length} frames, p50 ${round(percentile(frames, 50))} ms, p95 ${round(percentile(frames, 95))} ms, max ${round(Math.max(...frames))} ms, ${long} over 50 ms`);
    const shown = await page.locator('[data-testid=span-row]').count();

    // The other two views of the same 5,000 spans: time from the click to a painted view.
    const switchTo = async (view: 'timeline' | 'flame', selector: string): Promise<number> => {
      const t0 = await page.evaluate(() => performance.now());
      await page.getByTestId(`view-${view}`).click();
      await page.waitForSelector(selector);
      return (await page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))`) as number) - t0;
    };
    const timelineMs = await switchTo('timeline', '[data-testid=timeline-row]');
    const timelineFrames = await scrollFrames(page, '[data-testid=timeline-view] .span-scroll', 60);
    const flameMs = await switchTo('flame', '[data-testid=flame-box]');
    const flameBoxes = await page.locator('[data-testid=flame-box]').count();
    log(`switch to timeline ${round(timelineMs)} ms (scroll p95 ${round(percentile(timelineFrames, 95))} ms), to flame ${round(flameMs)} ms (${flameBoxes} boxes drawn)`);

    const result = {
      date: new Date().toISOString(), commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim(), quick,
      traces: meta.traces, initialJsGzipKB: round(bytes.js / 1024), initialJsRawKB: round(bytes.jsRaw / 1024), initialCssGzipKB: round(bytes.css / 1024),
      listFirstPaintMs: { p50: round(percentile(list, 50)), p95: round(percentile(list, 95)), runs: list.length },
      trace5000ToTreeMs: { p50: round(percentile(open, 50)), p95: round(percentile(open, 95)), runs: open.length },
      trace5000ClickMs: { p50: round(percentile(clickable, 50)), p95: round(percentile(clickable, 95)) },
      treeScrollFrameMs: { frames: frames.length, p50: round(percentile(frames, 50)), p95: round(percentile(frames, 95)), max: round(Math.max(...frames)), over50ms: long },
      treeRowsInDom: shown,
      switchToTimelineMs: round(timelineMs), timelineScrollFrameMs: { p95: round(percentile(timelineFrames, 95)), max: round(Math.max(...timelineFrames)) },
      switchToFlameMs: round(flameMs), flameBoxes, pageErrors: errors,
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    const file = join(ROOT, 'bench/results', `dashboard-${result.date.replace(/[:.]/g, '-').slice(0, 19)}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${file}`);
    if (errors.length) log(`page errors: ${errors.join('; ')}`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (!existsSync('/usr/bin/chromium') && !process.env.LOUPE_CHROMIUM) {
  log("no browser: install Debian's chromium (apt-get install -y chromium)");
  process.exit(1);
}
await main();
