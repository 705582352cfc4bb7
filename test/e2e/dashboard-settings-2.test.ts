// Settings › API keys, Model prices and Sampling in a real browser against a real server: a key
// created in the page, copied and used against the API, then revoked in the page and refused; the
// last admin key's revocation refused with the API's message; revoking the key the tab is logged
// in with logging it out; a price override effective from a past date that prices traces ingested
// after it (through the API and in the trace list), edited and deleted, with the API's refusal of
// a negative price beside its box; sampling rules edited and still there after a reload. Every
// view is saved as a screenshot under test-results/ in both themes for a person to look at.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { launch, type Opened, type OpenOptions, openPage, shot, shotsInBothThemes } from './browser.js';

let srv: TestServer;
let browser: Browser;

beforeAll(async () => {
  srv = await startTestServer('e2e-settings-2');
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

// The copy button writes to the clipboard and the test reads it back.
const open = (path: string, o: OpenOptions = {}): Promise<Opened> => openPage(browser, srv.url, path, {
  key: srv.key, size: [1280, 900], context: (ctx) => ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url }), ...o,
});

/** A view in both themes, each in a context of its own: `ready` brings the page to the state to show. */
const bothThemes = (path: string, name: string, ready: (page: Page) => Promise<unknown>, key?: string) =>
  shotsInBothThemes((dark) => open(path, { key: key ?? srv.key, dark }), name, ready);

const visible = (page: Page, id: string) => expect.poll(() => page.getByTestId(id).first().isVisible(), { timeout: 20_000 }).toBe(true);
const status = async (key: string) => (await call(srv.url, '/api/v1/traces', { key })).status;

/** A trace with one LLM span of `model`, sent through the native API; its cost as the API reads it. */
async function ingestLlm(id: string, model: string, inputTokens: number, outputTokens: number): Promise<number | null> {
  const t = new Date();
  const end = new Date(t.getTime() + 800).toISOString();
  const sent = await call(srv.url, '/api/v1/ingest', {
    key: srv.key,
    body: {
      traces: [{ id, name: `priced-${id}`, startTime: t.toISOString(), endTime: end, status: 'success' }],
      spans: [{ id: `${id}-llm`, traceId: id, kind: 'llm', name: 'chat', model, startTime: t.toISOString(), endTime: end, usage: { inputTokens, outputTokens } }],
    },
  });
  expect(sent.status).toBe(200);
  const read = await call(srv.url, `/api/v1/traces/${id}`, { key: srv.key });
  expect(read.status).toBe(200);
  return read.json.trace.costUsd;
}

describe('dashboard settings, part 2', () => {
  test('the settings list holds the new sections and each opens at its own address', async () => {
    const { ctx, page, errors } = await open('/settings');
    await visible(page, 'retention');
    expect(await page.locator('.settings-nav a').allTextContents()).toEqual(['Retention', 'Redaction', 'Sampling', 'Model prices', 'API keys']);
    for (const [slug, testId] of [['sampling', 'sampling'], ['prices', 'prices'], ['keys', 'keys']] as const) {
      await page.getByTestId(`settings-nav-${slug}`).click();
      await expect.poll(() => new URL(page.url()).pathname).toBe(`/settings/${slug}`);
      await visible(page, testId);
      expect(await page.locator('.settings-nav a[aria-current=page]').getAttribute('href')).toBe(`/settings/${slug}`);
    }
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('keys: one created in the page is shown once, copied, works, and once revoked in the page gets 401', async () => {
    const { ctx, page, errors } = await open('/settings/keys');
    await visible(page, 'key-list');
    // The admin key the tab is logged in with is the one row, marked.
    const mine = page.getByTestId('key-row').filter({ has: page.getByTestId('this-key') });
    expect(await mine.count()).toBe(1);
    expect(srv.key.startsWith(await mine.getAttribute('data-prefix') ?? '?')).toBe(true);
    await shot(page, 'settings-keys-list-light');

    await page.getByTestId('key-name').fill('e2e-reader');
    await page.getByTestId('key-scope-ingest').uncheck();
    await page.getByTestId('key-scope-read').check();
    await page.getByTestId('key-create-submit').click();
    await visible(page, 'key-once');
    expect(await page.getByTestId('key-warning').textContent()).toContain('it will not be shown again');
    const shown = await page.getByTestId('key-value').inputValue();
    expect(shown).toMatch(/^\S{20,}$/);
    await page.getByTestId('key-copy').click();
    await expect.poll(() => page.getByTestId('key-copied').textContent()).toBe('Copied.');
    // As strings: the tests are typechecked without the DOM library.
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    expect(copied).toBe(shown);
    await shot(page, 'settings-keys-created-light');

    // The copied key works, with the scopes chosen.
    expect(await status(copied)).toBe(200);
    const who = (await call(srv.url, '/api/v1/whoami', { key: copied })).json;
    expect(who.scopes).toEqual(['read']);
    const row = page.locator(`[data-testid=key-row][data-key-id="${who.keyId}"]`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('e2e-reader');
    expect(copied.startsWith(await row.getAttribute('data-prefix') ?? '?')).toBe(true);

    // Once dismissed, the key is nowhere on the page any more.
    await page.getByTestId('key-done').click();
    expect(await page.getByTestId('key-once').count()).toBe(0);
    expect(await page.content()).not.toContain(copied);

    // Revoke: a confirm step first; Keep it leaves it alone.
    await row.getByTestId('key-revoke').click();
    expect(await page.getByTestId('key-confirm').textContent()).toContain('refused from its next request');
    await page.getByTestId('key-revoke-cancel').click();
    expect(await page.getByTestId('key-confirm').count()).toBe(0);
    expect(await status(copied)).toBe(200);
    await row.getByTestId('key-revoke').click();
    await shot(page, 'settings-keys-confirm-light');
    await page.getByTestId('key-revoke-confirm').click();
    await expect.poll(() => row.count()).toBe(0);
    expect(await status(copied)).toBe(401);
    await page.getByTestId('revoked-keys').locator('summary').click();
    expect(await page.locator(`[data-testid=revoked-row][data-key-id="${who.keyId}"]`).isVisible()).toBe(true);
    await shot(page, 'settings-keys-revoked-light');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('keys: revoking the last admin key shows the API refusal and the key keeps working', async () => {
    const { ctx, page, errors } = await open('/settings/keys');
    await visible(page, 'key-list');
    const mine = page.getByTestId('key-row').filter({ has: page.getByTestId('this-key') });
    const id = await mine.getAttribute('data-key-id');
    const refused = await call(srv.url, `/api/v1/keys/${id}`, { key: srv.key, method: 'DELETE' });
    expect(refused.status).toBe(409);
    await mine.getByTestId('key-revoke').click();
    expect(await page.getByTestId('key-confirm').textContent()).toContain('revoking it logs you out');
    await page.getByTestId('key-revoke-confirm').click();
    await expect.poll(() => page.getByTestId('key-revoke-error').textContent()).toBe(refused.json.error.message);
    expect(refused.json.error.message).toContain('last admin key');
    await shot(page, 'settings-keys-last-admin-light');
    expect(await status(srv.key)).toBe(200);
    // Still logged in, still on the page.
    expect(await page.getByTestId('keys').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('keys: revoking the key the tab is logged in with logs it out', async () => {
    const second = await srv.keyFor('default', ['admin', 'read']);
    const { ctx, page, errors } = await open('/settings/keys', { key: second });
    await visible(page, 'key-list');
    const mine = page.getByTestId('key-row').filter({ has: page.getByTestId('this-key') });
    expect(second.startsWith(await mine.getAttribute('data-prefix') ?? '?')).toBe(true);
    await mine.getByTestId('key-revoke').click();
    await page.getByTestId('key-revoke-confirm').click();
    // The login page, with the key forgotten, and no error on the way.
    await expect.poll(() => page.locator('#key').isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await page.evaluate("sessionStorage.getItem('loupe.key')")).toBe(null);
    expect(await page.getByRole('alert').count()).toBe(0);
    await shot(page, 'settings-keys-logged-out-light');
    expect(await status(second)).toBe(401);
    expect(await status(srv.key)).toBe(200);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('prices: an override effective from a past date prices the traces ingested after it, in the API and the trace list', async () => {
    const before = await ingestLlm('price-before', 'gpt-4o-mini', 1000, 500);
    // The built-in gpt-4o-mini: $0.15 in, $0.60 out per million.
    expect(before).toBeCloseTo(1000 * 0.15e-6 + 500 * 0.6e-6, 12);

    const { ctx, page, errors } = await open('/settings/prices');
    await visible(page, 'builtin');
    await page.getByTestId('builtin-search').fill('4o-mini');
    await expect.poll(async () => (await page.getByTestId('builtin-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-pattern')))).every((p) => p?.includes('4o-mini'))).toBe(true);
    const builtinRow = page.locator('[data-testid=builtin-row][data-pattern="gpt-4o-mini"]');
    expect(await builtinRow.textContent()).toContain('$0.15');
    await shot(page, 'settings-prices-search-light');

    // A negative price is refused by the API; its message sits beside the box.
    await builtinRow.getByTestId('builtin-override').click();
    await visible(page, 'price-form');
    expect(await page.getByTestId('price-pattern').inputValue()).toBe('gpt-4o-mini');
    expect(await page.getByTestId('price-input').inputValue()).toBe('0.15');
    const refused = await call(srv.url, '/api/v1/prices', { key: srv.key, method: 'PUT', body: { prices: [{ modelPattern: 'gpt-4o-mini', inputPrice: -0.000001, outputPrice: 0 }] } });
    expect(refused.status).toBe(400);
    await page.getByTestId('price-input').fill('-1');
    await page.getByTestId('price-save').click();
    await expect.poll(() => page.getByTestId('price-error-input').textContent()).toBe(refused.json.error.details[0].message);
    expect(await page.getByTestId('price-input').getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'settings-prices-invalid-light');

    // $100 in, $200 out per million, from 30 days ago (UTC day).
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    await page.getByTestId('price-input').fill('100');
    await page.getByTestId('price-output').fill('200');
    await page.getByTestId('price-cacheRead').fill('');
    await page.getByTestId('price-from').fill(from);
    await page.getByTestId('price-save').click();
    const override = page.locator('[data-testid=override-row][data-pattern="gpt-4o-mini"]');
    await expect.poll(() => override.count()).toBe(1);
    expect(await page.getByTestId('price-form').count()).toBe(0);
    expect(await override.getByTestId('override-from').textContent()).toBe(from);
    expect(await override.textContent()).toContain('$100');
    expect(await builtinRow.textContent()).toContain('overridden');
    const stored = (await call(srv.url, '/api/v1/prices', { key: srv.key })).json.data;
    expect(stored).toEqual([{ modelPattern: 'gpt-4o-mini', inputPrice: 0.0001, outputPrice: 0.0002, cacheReadPrice: null, effectiveFrom: `${from}T00:00:00.000000Z` }]);

    // Which price applies: the server's own answer.
    await page.getByTestId('price-check-model').fill('openai/gpt-4o-mini-2024-07-18');
    await page.getByTestId('price-check-run').click();
    await expect.poll(() => page.getByTestId('price-check-answer').textContent()).toContain('this project');
    expect(await page.getByTestId('price-check-answer').textContent()).toContain('$100 in');
    await shot(page, 'settings-prices-override-light');

    // A trace ingested now costs by the override; the one before keeps its stored cost.
    const after = await ingestLlm('price-after', 'gpt-4o-mini', 1000, 500);
    expect(after).toBeCloseTo(1000 * 100e-6 + 500 * 200e-6, 12);
    expect((await call(srv.url, '/api/v1/traces/price-before', { key: srv.key })).json.trace.costUsd).toBeCloseTo(before ?? NaN, 12);
    const list = await open('/traces');
    const rowAfter = list.page.locator('[data-testid=trace-row][data-trace-id="price-after"]');
    await expect.poll(() => rowAfter.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await rowAfter.textContent()).toContain('$0.2000');
    expect(await list.page.locator('[data-testid=trace-row][data-trace-id="price-before"]').textContent()).toContain(`$${(before ?? NaN).toFixed(4)}`);
    expect(list.errors).toEqual([]);
    await list.ctx.close();

    // Edit: the output price changes in place (same pattern and date: one entry still).
    await override.getByTestId('override-edit').click();
    expect(await page.getByTestId('price-from').inputValue()).toBe(from);
    await page.getByTestId('price-output').fill('300');
    await page.getByTestId('price-save').click();
    await expect.poll(() => override.textContent()).toContain('$300');
    expect((await call(srv.url, '/api/v1/prices', { key: srv.key })).json.data.map((p: { outputPrice: number }) => p.outputPrice)).toEqual([0.0003]);

    // Edit that moves the date: the entry moves, nothing is left at the old date.
    const later = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    await override.getByTestId('override-edit').click();
    await page.getByTestId('price-from').fill(later);
    await page.getByTestId('price-save').click();
    await expect.poll(() => override.getByTestId('override-from').textContent()).toBe(later);
    expect((await call(srv.url, '/api/v1/prices', { key: srv.key })).json.data.map((p: { effectiveFrom: string }) => p.effectiveFrom)).toEqual([`${later}T00:00:00.000000Z`]);

    // A second override (always, a glob), then delete it with its confirm step.
    await page.getByTestId('price-add').click();
    await page.getByTestId('price-pattern').fill('acme-*');
    await page.getByTestId('price-input').fill('1');
    await page.getByTestId('price-output').fill('2');
    await page.getByTestId('price-save').click();
    const acme = page.locator('[data-testid=override-row][data-pattern="acme-*"]');
    await expect.poll(() => acme.count()).toBe(1);
    expect(await acme.getByTestId('override-from').textContent()).toBe('always');
    await shotsOfPricesBoth();
    await acme.getByTestId('override-delete').click();
    expect(await page.getByTestId('override-confirm').textContent()).toContain('acme-*');
    await page.getByTestId('override-delete-confirm').click();
    await expect.poll(() => acme.count()).toBe(0);
    expect((await call(srv.url, '/api/v1/prices', { key: srv.key })).json.data.map((p: { modelPattern: string }) => p.modelPattern)).toEqual(['gpt-4o-mini']);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('sampling: the rules edited in the page are stored and still there after a reload; a bad rate shows the API message', async () => {
    const { ctx, page, errors } = await open('/settings/sampling');
    await visible(page, 'sampling-current');
    expect(await page.getByTestId('sampling-current').textContent()).toContain('Only POST /api/collector');
    expect(await page.getByTestId('sampling-successRate').inputValue()).toBe('0.1');
    expect(await page.getByTestId('sampling-keepErrors').isChecked()).toBe(true);
    await shot(page, 'settings-sampling-defaults-light');

    await page.getByTestId('sampling-all').check();
    await page.getByTestId('sampling-keepErrors').uncheck();
    await page.getByTestId('sampling-minDurationMs').fill('3000');
    await page.getByTestId('sampling-minCostUsd').fill('0.05');
    await page.getByTestId('sampling-successRate').fill('0.25');
    expect(await page.getByTestId('sampling-dirty').isVisible()).toBe(true);
    expect(await page.getByTestId('sampling-percent').textContent()).toBe('(25% of them)');
    await page.getByTestId('sampling-save').click();
    await visible(page, 'sampling-saved');
    const want = { appliesTo: 'all', keepErrors: false, minDurationMs: 3000, minCostUsd: 0.05, successRate: 0.25 };
    expect((await call(srv.url, '/api/v1/project/sampling', { key: srv.key })).json).toEqual(want);

    await page.reload();
    await visible(page, 'sampling-current');
    expect(await page.getByTestId('sampling-all').isChecked()).toBe(true);
    expect(await page.getByTestId('sampling-keepErrors').isChecked()).toBe(false);
    expect(await page.getByTestId('sampling-minDurationMs').inputValue()).toBe('3000');
    expect(await page.getByTestId('sampling-minCostUsd').inputValue()).toBe('0.05');
    expect(await page.getByTestId('sampling-successRate').inputValue()).toBe('0.25');
    expect(await page.getByTestId('sampling-current').textContent()).toContain('Every ingestion surface samples');
    await shot(page, 'settings-sampling-saved-light');

    // A rate over 1: the API's message, beside the box; nothing stored changes.
    const refused = await call(srv.url, '/api/v1/project/sampling', { key: srv.key, method: 'PUT', body: { successRate: 2 } });
    expect(refused.status).toBe(400);
    await page.getByTestId('sampling-successRate').fill('2');
    await page.getByTestId('sampling-save').click();
    await expect.poll(() => page.getByTestId('sampling-error-successRate').textContent()).toBe(refused.json.error.message);
    expect(await page.getByTestId('sampling-successRate').getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'settings-sampling-invalid-light');
    expect((await call(srv.url, '/api/v1/project/sampling', { key: srv.key })).json).toEqual(want);

    // Clearing a threshold turns it off (null).
    await page.getByTestId('sampling-successRate').fill('1');
    await page.getByTestId('sampling-minCostUsd').fill('');
    await page.getByTestId('sampling-save').click();
    await visible(page, 'sampling-saved');
    expect((await call(srv.url, '/api/v1/project/sampling', { key: srv.key })).json).toEqual({ ...want, minCostUsd: null, successRate: 1 });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('every view in light and dark', async () => {
    await bothThemes('/settings/sampling', 'settings-sampling', (p) => visible(p, 'sampling-current'));
    await bothThemes('/settings/sampling', 'settings-sampling-error', async (p) => {
      await visible(p, 'sampling-current');
      await p.getByTestId('sampling-minDurationMs').fill('-5');
      await p.getByTestId('sampling-save').click();
      await visible(p, 'sampling-error-minDurationMs');
    });
    await bothThemes('/settings/prices', 'settings-prices', (p) => visible(p, 'builtin'));
    await bothThemes('/settings/prices', 'settings-prices-form-error', async (p) => {
      await visible(p, 'builtin');
      await p.getByTestId('price-add').click();
      await p.getByTestId('price-pattern').fill('acme-chat');
      await p.getByTestId('price-input').fill('-2');
      await p.getByTestId('price-save').click();
      await visible(p, 'price-error-input');
    });
    await bothThemes('/settings/prices', 'settings-prices-delete-confirm', async (p) => {
      await visible(p, 'override-row');
      await p.getByTestId('override-delete').first().click();
      await visible(p, 'override-confirm');
    });
    await bothThemes('/settings/keys', 'settings-keys', (p) => visible(p, 'key-list'));
    await bothThemes('/settings/keys', 'settings-keys-created', async (p) => {
      await visible(p, 'key-list');
      await p.getByTestId('key-name').fill('screenshot-only');
      await p.getByTestId('key-create-submit').click();
      await visible(p, 'key-once');
      await p.getByTestId('key-copy').click();
      await expect.poll(() => p.getByTestId('key-copied').textContent()).toBe('Copied.');
    });
    await bothThemes('/settings/keys', 'settings-keys-refused', async (p) => {
      await visible(p, 'key-list');
      const mine = p.getByTestId('key-row').filter({ has: p.getByTestId('this-key') });
      await mine.getByTestId('key-revoke').click();
      await p.getByTestId('key-revoke-confirm').click();
      await visible(p, 'key-revoke-error');
    });
  });
});

/** The prices page with two overrides, one being edited, in both themes. */
async function shotsOfPricesBoth(): Promise<void> {
  await bothThemes('/settings/prices', 'settings-prices-overrides', async (p) => {
    await expect.poll(() => p.getByTestId('override-row').count(), { timeout: 20_000 }).toBe(2);
    await p.locator('[data-testid=override-row][data-pattern="gpt-4o-mini"]').getByTestId('override-edit').click();
    await visible(p, 'price-form');
  });
}
