// Sessions and users in a real browser against a real server: conversations sent through the
// native API read back as chats (turns in order, latency, tokens, cost and score chips), a long
// session loaded page by page as it is scrolled, a turn and a span-scored chip followed into the
// trace, the users list and a user's page, links from ids in the trace list and trace header, and
// the top bar on every page. Every view is saved (light and dark) under test-results/ as
// sessions-* and users-*.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { launch, type Opened, type OpenOptions, openPage, shot } from './browser.js';
import { LONG, LONG_TURNS, MARIA, OMAR, REFUND, TRIP, TRIP_IDS, TRIP_SPAN, TRIP_TEXT, sessionBatches } from './dashboard-sessions-data.js';

let srv: TestServer;
let browser: Browser;
const now = Date.now();

beforeAll(async () => {
  srv = await startTestServer('e2e-sessions');
  for (const body of sessionBatches(now - 3_600_000)) {
    const r = await call(srv.url, '/api/v1/ingest', { key: srv.key, body });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  }
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

const open = (path: string, o: OpenOptions = {}): Promise<Opened> => openPage(browser, srv.url, path, { key: srv.key, ...o });

const turns = (page: Page) => page.getByTestId('turn');
const themes = [false, true] as const;
const theme = (dark: boolean) => (dark ? 'dark' : 'light');

describe('sessions', () => {
  test('the list shows each session with its turns, tokens, cost, errors and user; its filters live in the URL', async () => {
    for (const dark of themes) {
      const { ctx, page, errors } = await open('/sessions', { dark });
      await expect.poll(() => page.getByTestId('session-row').count()).toBe(3);
      expect(await page.getByTestId('nav-sessions').getAttribute('class')).toContain('active');
      const trip = page.locator(`[data-testid=session-row][data-id=${TRIP}]`);
      const text = await trip.textContent();
      expect(text).toContain('4');
      expect(text).toContain(MARIA);
      expect(text).toContain('$0.0106');
      // Latest activity first: the refund conversation ended last.
      expect(await page.getByTestId('session-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual([REFUND, TRIP, LONG]);
      await shot(page, `sessions-list-${theme(dark)}`);
      if (!dark) {
        await page.getByTestId('f-userId').fill(OMAR);
        await page.getByTestId('f-userId').press('Enter');
        await expect.poll(() => page.url()).toContain(`userId=${OMAR}`);
        await expect.poll(() => page.getByTestId('session-row').count()).toBe(1);
        await page.getByTestId('f-filter').fill('traceCount > 100');
        await page.getByTestId('f-filter').press('Enter');
        await expect.poll(() => page.getByTestId('empty').isVisible()).toBe(true);
        await page.reload();
        await expect.poll(() => page.getByTestId('empty').isVisible()).toBe(true);
        expect(await page.getByTestId('f-filter').inputValue()).toBe('traceCount > 100');
        await page.getByTestId('f-userId').fill('');
        await page.getByTestId('f-userId').press('Enter');
        await expect.poll(() => page.locator('[data-testid=session-row]').getAttribute('data-id')).toBe(LONG);
        await page.getByTestId('f-filter').fill('traceCount >');
        await page.getByTestId('f-filter').press('Enter');
        await expect.poll(() => page.getByTestId('filter-error').isVisible()).toBe(true);
        await shot(page, 'sessions-list-bad-filter-light');
      }
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });

  test('a session opens as a chat: turns in order, user and assistant bubbles, latency, tokens, cost and score chips', async () => {
    for (const dark of themes) {
      const { ctx, page, errors } = await open('/sessions', { dark });
      await page.locator(`[data-testid=session-row][data-id=${TRIP}]`).click();
      await expect.poll(() => page.url()).toBe(`${srv.url}/sessions/${TRIP}`);
      await expect.poll(() => turns(page).count()).toBe(4);
      expect(await page.getByTestId('turn-count').textContent()).toBe('4');
      expect(await turns(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id')))).toEqual(TRIP_IDS);
      // Each shape of input and output reads as the words of the turn: the last user message,
      // the assistant's answer, not the history or the JSON around them.
      for (let i = 0; i < 4; i++) {
        const turn = turns(page).nth(i);
        expect(await turn.getByTestId('bubble-user').textContent()).toBe(TRIP_TEXT[i][0]);
        if (TRIP_TEXT[i][1]) expect(await turn.getByTestId('bubble-assistant').textContent()).toBe(TRIP_TEXT[i][1]);
      }
      expect(await turns(page).nth(3).getByTestId('bubble-assistant').textContent()).toBe('(no output)');
      const second = turns(page).nth(1);
      expect(await second.getByTestId('chip-latency').textContent()).toBe('920 ms');
      expect(await second.getByTestId('chip-tokens').textContent()).toBe('350 tok');
      expect(await second.getByTestId('chip-cost').textContent()).toBe('$0.0034');
      expect(await second.getByTestId('turn-scores').textContent()).toContain('helpfulness: 0.80');
      expect(await second.getByTestId('span-score-link').textContent()).toContain('faithfulness: 0.50');
      expect(await turns(page).nth(2).getByTestId('turn-scores').textContent()).toContain('tone: friendly');
      expect(await turns(page).nth(0).locator('[aria-label="thumbs up"]').count()).toBe(1);
      expect(await turns(page).nth(3).locator('[aria-label="thumbs down"]').count()).toBe(1);
      expect(await page.getByTestId('turns-end').textContent()).toContain('end of the session');
      await shot(page, `sessions-conversation-${theme(dark)}`);
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });

  test('a long session loads its turns page by page as it is scrolled', async () => {
    const asked: string[] = [];
    const { ctx, page, errors } = await open(`/sessions/${LONG}`, {
      before: (p) => p.on('request', (r) => {
        if (r.url().includes('/api/v1/traces?') && r.url().includes(`sessionId=${LONG}`)) asked.push(r.url());
      }),
    });
    await expect.poll(() => turns(page).count()).toBe(20);
    // Nothing more is fetched while the reader stays at the top.
    await page.waitForTimeout(600);
    expect(asked.length).toBe(1);
    expect(await turns(page).count()).toBe(20);
    expect(await turns(page).first().getByTestId('bubble-user').textContent()).toBe('Question number 1');
    await shot(page, 'sessions-long-top-light');
    const scroller = page.getByTestId('conversation-scroll');
    let seen = 20;
    while (seen < LONG_TURNS) {
      await scroller.evaluate((el) => { el.scrollTop = el.scrollHeight; });
      await expect.poll(() => turns(page).count()).toBeGreaterThan(seen);
      seen = await turns(page).count();
      // A page at a time: never more than one page beyond what was there.
      expect(seen % 20 === 0 || seen === LONG_TURNS).toBe(true);
      expect(asked.length).toBe(Math.ceil(seen / 20));
    }
    expect(asked.every((u) => new URL(u).searchParams.get('limit') === '20')).toBe(true);
    await expect.poll(() => page.getByTestId('turns-end').textContent()).toContain(`${LONG_TURNS} turns, end of the session`);
    const texts = await page.locator('[data-testid=turn] [data-testid=bubble-user]').allTextContents();
    expect(texts).toEqual(Array.from({ length: LONG_TURNS }, (_, i) => `Question number ${i + 1}`));
    await shot(page, 'sessions-long-end-light');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('a turn leads into its trace, and a span-scored chip into that span (kept over a reload)', async () => {
    const { ctx, page, errors } = await open(`/sessions/${TRIP}`);
    await expect.poll(() => turns(page).count()).toBe(4);
    await turns(page).nth(2).getByTestId('turn-link').click();
    await expect.poll(() => page.url()).toBe(`${srv.url}/traces/${TRIP_IDS[2]}`);
    await expect.poll(() => page.getByTestId('trace-head').isVisible()).toBe(true);
    expect(await page.getByTestId('trace-head').textContent()).toContain(TRIP_IDS[2]);
    // The header's session and user are links to their pages.
    expect(await page.getByTestId('session-link').getAttribute('href')).toBe(`/sessions/${TRIP}`);
    expect(await page.getByTestId('user-link').getAttribute('href')).toBe(`/users/${MARIA}`);
    await page.goBack();
    await expect.poll(() => turns(page).count()).toBe(4);
    await turns(page).nth(1).getByTestId('span-score-link').click();
    // The trace opens on its root otherwise: the link is what selects the LLM span.
    await expect.poll(() => page.url()).toBe(`${srv.url}/traces/${TRIP_IDS[1]}?span=${TRIP_SPAN}`);
    const selected = page.locator(`[data-testid=span-row][data-span-id=${TRIP_SPAN}]`);
    await expect.poll(() => selected.getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByTestId('span-panel').textContent()).toContain('llm-call');
    await page.reload();
    await expect.poll(() => selected.getAttribute('aria-selected')).toBe('true');
    await shot(page, 'sessions-span-link-light');
    await page.getByTestId('session-link').click();
    await expect.poll(() => page.url()).toBe(`${srv.url}/sessions/${TRIP}`);
    await expect.poll(() => turns(page).count()).toBe(4);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('the trace list links each row\'s user and session to their pages', async () => {
    const { ctx, page, errors } = await open(`/traces?sessionId=${REFUND}`);
    await expect.poll(() => page.getByTestId('trace-row').count()).toBe(3);
    await page.getByTestId('row-session').first().click();
    await expect.poll(() => page.url()).toBe(`${srv.url}/sessions/${REFUND}`);
    await expect.poll(() => turns(page).count()).toBe(3);
    expect(await turns(page).nth(1).getByTestId('bubble-user').textContent()).toBe('Can you refund one of them?');
    expect(await turns(page).nth(1).getByTestId('bubble-assistant').textContent()).toBe('Done: one charge of 42.00 EUR is refunded.');
    await page.goBack();
    await expect.poll(() => page.getByTestId('trace-row').count()).toBe(3);
    await page.getByTestId('row-user').first().click();
    await expect.poll(() => page.url()).toBe(`${srv.url}/users/${OMAR}`);
    await expect.poll(() => page.getByTestId('user-page').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});

describe('users', () => {
  test('the list shows first and last seen, traces, sessions, tokens, cost, errors and scores', async () => {
    for (const dark of themes) {
      const { ctx, page, errors } = await open('/users', { dark });
      await expect.poll(() => page.getByTestId('user-row').count()).toBe(2);
      expect(await page.getByTestId('nav-users').getAttribute('class')).toContain('active');
      const maria = page.locator(`[data-testid=user-row][data-id=${MARIA}]`);
      const text = await maria.textContent();
      expect(text).toContain(String(4 + LONG_TURNS));
      expect(text).toContain('helpfulness: 0.80');
      const omar = await page.locator(`[data-testid=user-row][data-id=${OMAR}]`).textContent();
      expect(omar).toContain('resolved: 1');
      await shot(page, `users-list-${theme(dark)}`);
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });

  test('a user\'s page has their totals, sessions and traces, each leading to its page', async () => {
    for (const dark of themes) {
      const { ctx, page, errors } = await open('/users', { dark });
      await page.locator(`[data-testid=user-row][data-id=${MARIA}]`).click();
      await expect.poll(() => page.url()).toBe(`${srv.url}/users/${MARIA}`);
      await expect.poll(() => page.getByTestId('user-trace-count').textContent()).toBe(String(4 + LONG_TURNS));
      expect(await page.getByTestId('user-session-count').textContent()).toBe('2');
      await expect.poll(() => page.getByTestId('user-session-row').count()).toBe(2);
      await expect.poll(() => page.getByTestId('user-trace-row').count()).toBeGreaterThan(10);
      expect(await page.getByTestId('user-facts').textContent()).toContain('thumbs: up ×1');
      await shot(page, `users-page-${theme(dark)}`);
      if (!dark) {
        await page.locator(`[data-testid=user-session-row][data-id=${TRIP}]`).click();
        await expect.poll(() => page.url()).toBe(`${srv.url}/sessions/${TRIP}`);
        await expect.poll(() => turns(page).count()).toBe(4);
        await page.getByTestId('session-user').click();
        await expect.poll(() => page.url()).toBe(`${srv.url}/users/${MARIA}`);
        await expect.poll(() => page.getByTestId('user-trace-row').count()).toBeGreaterThan(10);
        // Newest first: the trip's last turn.
        const first = page.getByTestId('user-trace-row').first();
        expect(await first.getAttribute('data-id')).toBe(TRIP_IDS[3]);
        await first.getByTestId('trace-session-link').click();
        await expect.poll(() => page.url()).toBe(`${srv.url}/sessions/${TRIP}`);
        await page.goBack();
        await expect.poll(() => page.getByTestId('user-trace-row').count()).toBeGreaterThan(10);
        await page.getByTestId('user-trace-row').first().click();
        await expect.poll(() => page.url()).toBe(`${srv.url}/traces/${TRIP_IDS[3]}`);
        await expect.poll(() => page.getByTestId('trace-status').textContent()).toContain('error');
      }
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });

  test('a user or session that does not exist says so', async () => {
    const { ctx, page } = await open('/users/nobody');
    await expect.poll(() => page.getByTestId('user-error').textContent()).toContain('No such user');
    await shot(page, 'users-missing-light');
    await page.goto(`${srv.url}/sessions/nothing-here`);
    await expect.poll(() => page.getByTestId('session-error').textContent()).toContain('No such session');
    await ctx.close();
  });
});

describe('navigation', () => {
  test('the top bar leads to every page from every page, the current one highlighted, project and scopes shown', async () => {
    const { ctx, page, errors } = await open('/traces');
    await expect.poll(() => page.getByTestId('trace-row').count()).toBeGreaterThan(0);
    const nav = ['traces', 'sessions', 'users', 'settings'] as const;
    const ready: Record<(typeof nav)[number], () => Promise<unknown>> = {
      traces: () => expect.poll(() => page.getByTestId('trace-row').count()).toBeGreaterThan(0),
      sessions: () => expect.poll(() => page.getByTestId('session-row').count()).toBe(3),
      users: () => expect.poll(() => page.getByTestId('user-row').count()).toBe(2),
      settings: () => expect.poll(() => page.locator('.settings-nav, [data-testid^=settings-nav]').count()).toBeGreaterThan(0),
    };
    for (const from of [...nav, `session`, 'user'] as const) {
      for (const to of nav) {
        if (from === 'session') await page.goto(`${srv.url}/sessions/${TRIP}`);
        else if (from === 'user') await page.goto(`${srv.url}/users/${MARIA}`);
        else await page.getByTestId(`nav-${from}`).click();
        await page.getByTestId(`nav-${to}`).click();
        // Settings opens its first section (/settings/retention).
        await expect.poll(() => new URL(page.url()).pathname.split('/')[1]).toBe(to);
        await ready[to]();
        for (const other of nav) expect(await page.getByTestId(`nav-${other}`).getAttribute('class'), `${from} → ${to}: ${other}`).toBe(other === to ? 'active' : '');
        expect(await page.getByTestId('who').textContent()).toContain('default');
        expect(await page.getByTestId('who').textContent()).toContain('admin');
      }
    }
    expect(await page.getByTestId('nav-metrics').getAttribute('href')).toBe('/metrics');
    await page.goto(`${srv.url}/sessions/${TRIP}`);
    await expect.poll(() => turns(page).count()).toBe(4);
    expect(await page.getByTestId('nav-sessions').getAttribute('class')).toBe('active');
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
