// The dashboard's Settings in a real browser against a real server: retention set, reloaded and
// switched back to forever; redaction switched on, a custom rule saved, a dry run of saved and
// unsaved rules, the counters moved by a real ingest, an invalid regex refused with the API's own
// message; and keys without admin told what they need. Every view is saved as a screenshot under
// test-results/ (light and dark) for a person to look at.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { launch, type Opened, type OpenOptions, openPage, shot, shotsInBothThemes } from './browser.js';

let srv: TestServer;
let browser: Browser;
let readKey: string;
let ingestOnlyKey: string;

beforeAll(async () => {
  srv = await startTestServer('e2e-settings');
  readKey = await srv.keyFor('default', ['read']);
  ingestOnlyKey = await srv.keyFor('default', ['ingest']);
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

const open = (path: string, o: OpenOptions = {}): Promise<Opened> => openPage(browser, srv.url, path, { size: [1280, 900], ...o });

/** Both themes of a view, each in a context of its own, once `ready` holds. */
const shotsOf = (path: string, name: string, ready: (page: Page) => Promise<unknown>, key = srv.key) =>
  shotsInBothThemes((dark) => open(path, { key, dark }), name, ready);

const retentionNow = async () => (await call(srv.url, '/api/v1/project/retention', { key: srv.key })).json.days as number | null;

describe('dashboard settings', () => {
  test('the top bar leads to Settings, which opens on its first section with the sections listed on the left', async () => {
    const { ctx, page, errors } = await open('/traces', { key: srv.key });
    await page.getByTestId('nav-settings').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/settings/retention');
    await expect.poll(() => page.getByTestId('retention').isVisible()).toBe(true);
    expect(await page.getByTestId('nav-settings').getAttribute('class')).toContain('active');
    expect(await page.locator('.settings-nav a').allTextContents()).toEqual(['Retention', 'Redaction', 'Sampling', 'Model prices', 'API keys']);
    expect(await page.locator('.settings-nav a[aria-current=page]').textContent()).toBe('Retention');
    await page.getByTestId('settings-nav-redaction').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/settings/redaction');
    await expect.poll(() => page.getByTestId('redaction').isVisible()).toBe(true);
    // Back returns to retention, not to the bare /settings that redirected.
    await page.goBack();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/settings/retention');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('retention: 30 days survives a reload; a bad number shows the API message; then keep forever', async () => {
    const { ctx, page, errors } = await open('/settings/retention', { key: srv.key });
    const current = page.getByTestId('retention-current');
    await expect.poll(() => current.textContent()).toContain('kept forever');
    await shot(page, 'settings-retention-forever-light');

    await page.getByTestId('retention-limited').check();
    await page.getByTestId('retention-days').fill('30');
    await page.getByTestId('retention-save').click();
    await expect.poll(() => page.getByTestId('retention-saved').textContent()).toContain('more than 30 days ago');
    expect(await retentionNow()).toBe(30);
    await shot(page, 'settings-retention-saved-light');

    await page.reload();
    await expect.poll(() => current.textContent()).toContain('more than 30 days ago');
    expect(await page.getByTestId('retention-days').inputValue()).toBe('30');
    expect(await page.getByTestId('retention-limited').isChecked()).toBe(true);

    // The API judges the number; its message is what the page shows, beside the box.
    const refused = await call(srv.url, '/api/v1/project/retention', { key: srv.key, method: 'PUT', body: { days: 0 } });
    expect(refused.status).toBe(400);
    await page.getByTestId('retention-days').fill('0');
    await page.getByTestId('retention-save').click();
    await expect.poll(() => page.getByTestId('retention-error').textContent()).toBe(refused.json.error.message);
    expect(await page.getByTestId('retention-days').getAttribute('aria-invalid')).toBe('true');
    await shot(page, 'settings-retention-error-light');
    expect(await retentionNow()).toBe(30);

    await page.getByTestId('retention-forever').check();
    await page.getByTestId('retention-save').click();
    await expect.poll(() => current.textContent()).toContain('kept forever');
    expect(await page.getByTestId('retention-error').count()).toBe(0);
    expect(await retentionNow()).toBe(null);
    await page.reload();
    await expect.poll(() => current.textContent()).toContain('kept forever');
    expect(await page.getByTestId('retention-forever').isChecked()).toBe(true);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('redaction: email on and a custom rule saved, a dry run masks them, and a real ingest moves the counters', async () => {
    const { ctx, page, errors } = await open('/settings/redaction', { key: srv.key });
    await expect.poll(() => page.getByTestId('redaction').isVisible()).toBe(true);
    expect(await page.locator('.switch-row code').allTextContents()).toEqual(['email', 'phone', 'card', 'iban', 'api_key', 'token']);
    expect(await page.getByTestId('builtin-email').textContent()).toContain('E-mail addresses');
    await shot(page, 'settings-redaction-empty-light');

    // The switch is reachable by its label and works from the keyboard.
    const email = page.getByRole('switch', { name: /email/ });
    await email.focus();
    await page.keyboard.press('Space');
    expect(await email.isChecked()).toBe(true);
    await page.getByTestId('rule-add').click();
    // The new row's name box takes the focus.
    await page.keyboard.type('ticket');
    const row = page.getByTestId('custom-rule').first();
    await row.getByTestId('rule-pattern').fill('TICKET-\\d{4,8}');
    await row.getByLabel(/flag i/).check();
    await row.getByLabel('rule 1 field input').check();
    await row.getByLabel('rule 1 field output').check();
    expect(await page.getByTestId('redaction-dirty').isVisible()).toBe(true);
    await page.getByTestId('redaction-save').click();
    await expect.poll(() => page.getByTestId('redaction-saved').isVisible()).toBe(true);
    const stored = (await call(srv.url, '/api/v1/project/redaction', { key: srv.key })).json;
    expect(stored.builtins).toEqual({ email: true, phone: false, card: false, iban: false, api_key: false, token: false });
    expect(stored.rules).toEqual([{ name: 'ticket', pattern: 'TICKET-\\d{4,8}', flags: 'i', fields: ['input', 'output'] }]);

    await page.getByTestId('try-sample').fill('Mail jane@example.com about ticket-20931, or call +44 20 7946 0958.');
    await page.getByTestId('try-run').click();
    const result = page.getByTestId('try-result');
    // The result or the error, so that a refusal fails with its message rather than a timeout.
    const answer = page.getByTestId('try-result').or(page.getByTestId('try-error'));
    await expect.poll(() => answer.textContent()).toBe('Mail [REDACTED:email] about [REDACTED:ticket], or call +44 20 7946 0958.');
    expect(await result.locator('mark.redacted').allTextContents()).toEqual(['[REDACTED:email]', '[REDACTED:ticket]']);
    expect(await page.getByTestId('try-count').textContent()).toBe('(2 masked)');
    await result.scrollIntoViewIfNeeded();
    await shot(page, 'settings-redaction-try-light');

    // An unsaved switch takes part in the dry run; discarding it puts the saved rules back.
    await page.getByRole('switch', { name: /phone/ }).check();
    await page.getByTestId('try-run').click();
    await expect.poll(() => answer.textContent()).toContain('or call [REDACTED:phone].');
    expect((await call(srv.url, '/api/v1/project/redaction', { key: srv.key })).json.builtins.phone).toBe(false);
    await page.getByTestId('redaction-discard').click();
    expect(await page.getByRole('switch', { name: /phone/ }).isChecked()).toBe(false);

    // A trace sent through the native API is masked at ingest and counted.
    const t = new Date().toISOString();
    const sent = await call(srv.url, '/api/v1/ingest', { key: srv.key, body: { traces: [{ id: 'settings-redacted', name: 'support-chat', startTime: t, input: 'Please write to jane@example.com' }] } });
    expect(sent.status).toBe(200);
    const trace = (await call(srv.url, '/api/v1/traces/settings-redacted', { key: srv.key })).json;
    expect(JSON.stringify(trace)).toContain('[REDACTED:email]');
    expect(JSON.stringify(trace)).not.toContain('jane@example.com');
    await page.reload();
    await expect.poll(() => page.getByTestId('builtin-email-masked').textContent()).toBe('1 masked');
    expect(await page.locator('[data-testid=counter-row][data-rule=email]').textContent()).toContain('1');
    expect(await row.getByTestId('rule-masked').textContent()).toBe('0');
    await page.getByTestId('counters').scrollIntoViewIfNeeded();
    await shot(page, 'settings-redaction-counters-light');
    await shotsOf('/settings/redaction', 'settings-redaction', (p) => expect.poll(() => p.getByTestId('counters').isVisible()).toBe(true));
    await shotsOf('/settings/redaction', 'settings-redaction-try-saved', async (p) => {
      // The sample the box starts with, run through the saved rules.
      await p.getByTestId('try-run').click();
      await expect.poll(() => p.getByTestId('try-result').textContent()).toContain('[REDACTED:ticket]');
      await p.getByTestId('try-result').scrollIntoViewIfNeeded();
    });
    await shotsOf('/settings/retention', 'settings-retention', (p) => expect.poll(() => p.getByTestId('retention-current').isVisible()).toBe(true));
    expect(errors).toEqual([]);
    await ctx.close();
  });

  test('an invalid regex is refused with the API message beside the form, and nothing changes', async () => {
    const { ctx, page, errors } = await open('/settings/redaction', { key: srv.key });
    await expect.poll(() => page.getByTestId('custom-rule').count()).toBe(1);
    // The saved rule is taken out of the edit first: every PUT times each pattern it holds on
    // probe text (50 ms each), and on a loaded machine that can refuse even a good one, which
    // would hide the message this test is after.
    await page.getByTestId('rule-remove').click();
    await page.getByTestId('rule-add').click();
    const row = page.getByTestId('custom-rule').first();
    await row.getByTestId('rule-name').fill('broken');
    await row.getByTestId('rule-pattern').fill('(unclosed');
    const refused = await call(srv.url, '/api/v1/project/redaction', { key: srv.key, method: 'PUT', body: { rules: [{ name: 'broken', pattern: '(unclosed' }] } });
    expect(refused.status).toBe(400);
    await page.getByTestId('redaction-save').click();
    await expect.poll(() => page.getByTestId('redaction-error').textContent()).toBe(refused.json.error.message);
    expect(refused.json.error.message).toContain('rule "broken": invalid regular expression');
    // The dry run of the edited rules is refused the same way.
    await page.getByTestId('try-run').click();
    await expect.poll(() => page.getByTestId('try-error').textContent()).toBe(refused.json.error.message);
    await page.getByTestId('redaction-error').scrollIntoViewIfNeeded();
    await shot(page, 'settings-redaction-invalid-light');
    expect((await call(srv.url, '/api/v1/project/redaction', { key: srv.key })).json.rules.map((r: { name: string }) => r.name)).toEqual(['ticket']);
    // Removing the row and saving (no custom rule left) clears the error.
    await row.getByTestId('rule-remove').click();
    await page.getByTestId('redaction-save').click();
    await expect.poll(() => page.getByTestId('redaction-saved').isVisible()).toBe(true);
    expect(await page.getByTestId('redaction-error').count()).toBe(0);
    expect(await page.getByTestId('no-custom-rules').isVisible()).toBe(true);
    expect((await call(srv.url, '/api/v1/project/redaction', { key: srv.key })).json.rules).toEqual([]);
    expect(errors).toEqual([]);
    await ctx.close();

    const dark = await open('/settings/redaction', { key: srv.key, dark: true });
    await expect.poll(() => dark.page.getByTestId('no-custom-rules').isVisible()).toBe(true);
    await dark.page.getByTestId('rule-add').click();
    await dark.page.getByTestId('rule-name').fill('broken');
    await dark.page.getByTestId('rule-pattern').fill('(unclosed');
    await dark.page.getByTestId('redaction-save').click();
    await expect.poll(() => dark.page.getByTestId('redaction-error').isVisible()).toBe(true);
    await dark.page.getByTestId('redaction-error').scrollIntoViewIfNeeded();
    await shot(dark.page, 'settings-redaction-invalid-dark');
    expect(dark.errors).toEqual([]);
    await dark.ctx.close();
  });

  test('a key without admin sees Settings in the top bar and a page saying it needs an admin key', async () => {
    for (const [key, scopes] of [[readKey, 'read'], [ingestOnlyKey, 'ingest']] as const) {
      const { ctx, page, errors } = await open('/traces', { key });
      await page.getByTestId('nav-settings').click();
      const needs = page.getByTestId('needs-admin');
      await expect.poll(() => needs.textContent()).toContain('Settings need an admin key');
      expect(await needs.textContent()).toContain(`scope ${scopes}`);
      expect(await needs.textContent()).toContain('npx loupe keys create --project default --scopes admin');
      expect(await page.locator('.settings-nav').count()).toBe(0);
      expect(errors).toEqual([]);
      await ctx.close();
    }
    await shotsOf('/settings/redaction', 'settings-needs-admin', (p) => expect.poll(() => p.getByTestId('needs-admin').isVisible()).toBe(true), readKey);
  });
});
