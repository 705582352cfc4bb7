// Golden tests for the Langfuse adapter and the langfuse.* OTel convention: each
// fixtures/<name>.request.json is a real payload; <name>.expected.json is the normalised batch and
// answer. UPDATE_GOLDEN=1 rewrites the expected files (review the diff before committing).
import { describe, expect, test } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { microsFromIso } from '../../model/time.js';
import { otlpAdapter } from '../otlp/index.js';
import { langfuseAdapter, ingestionResponse, resolvePending } from './index.js';
import { langfuseConvention } from './otel-convention.js';
import { usageAndCost, usageFromDetails } from './usage.js';

const dir = new URL('./fixtures/', import.meta.url);
const read = (name: string): unknown => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
const ctx = { receivedAt: microsFromIso('2024-07-01T00:00:00Z')!, headers: {} };

function golden(name: string, actual: unknown): void {
  const file = new URL(`${name}.expected.json`, dir);
  const json = JSON.parse(JSON.stringify(actual)) as unknown;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  expect(json).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

function runIngestion(body: unknown, known: Record<string, string> = {}) {
  const out = langfuseAdapter(body, ctx);
  resolvePending(out, (id) => known[id]);
  return { response: ingestionResponse(out), batch: out.batch };
}

describe('Langfuse ingestion fixtures', () => {
  const names = readdirSync(dir).filter((f) => f.endsWith('.request.json') && !f.startsWith('otel-')).map((f) => f.slice(0, -'.request.json'.length));

  test.each(names)('%s', (name) => {
    const known = existsSync(new URL(`${name}.known.json`, dir)) ? (read(`${name}.known.json`) as Record<string, string>) : {};
    golden(name, runIngestion(read(`${name}.request.json`), known));
  });

  test('the shared example batch answers as Langfuse does (05-langfuse-ingestion-207-response.json)', () => {
    const examples = new URL('../../../test/fixtures/examples/', import.meta.url);
    const body = JSON.parse(readFileSync(new URL('04-langfuse-ingestion-batch.json', examples), 'utf8')) as unknown;
    const want = JSON.parse(readFileSync(new URL('05-langfuse-ingestion-207-response.json', examples), 'utf8')) as { successes: unknown[]; errors: Array<{ id: string; status: number; message: string }> };
    const got = runIngestion(body);
    expect(got.response.successes).toEqual(want.successes);
    expect(got.response.errors.map(({ id, status, message }) => ({ id, status, message }))).toEqual(want.errors.map(({ id, status, message }) => ({ id, status, message })));
    expect(got.response.errors[0].error).toContain('Value must be a number equal to either 0 or 1 for data type BOOLEAN');
    golden('example-04-batch', got.batch);
  });

  test('updates without a traceId come back pending until resolved, and marks the batch for id lookup', () => {
    const out = langfuseAdapter({ batch: [{ id: 'e1', type: 'span-update', timestamp: '2024-01-01T00:00:00Z', body: { id: 'obs-1', output: 'x' } }] }, ctx);
    expect(out.batch.spans).toEqual([]);
    expect(out.pending.map((p) => p.observationId)).toEqual(['obs-1']);
    expect(out.batch.indexSpanIds).toBe(true);
    resolvePending(out, () => 'trace-1');
    expect(out.batch.spans[0]).toMatchObject({ id: 'obs-1', traceId: 'trace-1', output: 'x' });
    expect(ingestionResponse(out)).toEqual({ successes: [{ id: 'e1', status: 201 }], errors: [] });
  });

  test('an envelope that is not {batch: [...]} is a 400', () => {
    expect(() => langfuseAdapter({ events: [] }, ctx)).toThrow(/batch/);
    expect(() => langfuseAdapter([], ctx)).toThrow(/batch/);
  });
});

describe('Langfuse usage shapes (Loupe keeps inclusive totals)', () => {
  test('OpenAI chat usage: prompt_tokens already includes the cached tokens', () => {
    expect(usageFromDetails({ prompt_tokens: 120, completion_tokens: 40, total_tokens: 160, prompt_tokens_details: { cached_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 10 } }))
      .toEqual({ inputTokens: 120, outputTokens: 40, totalTokens: 160, cacheReadTokens: 100, reasoningTokens: 10 });
  });
  test('Langfuse map: input excludes its input_* details, so they are added back', () => {
    expect(usageFromDetails({ input: 10, input_cache_read: 90, input_cache_creation: 5, output: 7, output_reasoning: 3 }))
      .toEqual({ inputTokens: 105, outputTokens: 10, totalTokens: 115, cacheReadTokens: 90, cacheWriteTokens: 5, reasoningTokens: 3 });
  });
  test('costDetails wins over usage costs; characters are not tokens', () => {
    expect(usageAndCost({ input: 300, unit: 'CHARACTERS', inputCost: 1 }, undefined, { total: 2 })).toEqual({ costUsd: 2, otherUnits: { unit: 'CHARACTERS', input: 300, output: undefined, total: undefined } });
  });
});

describe('langfuse.* OTel attributes', () => {
  test('a real @langfuse/tracing export maps to the golden batch', () => {
    const body = readFileSync(new URL('otel-sdk-spans.request.json', dir));
    const result = otlpAdapter(body, 'json', { extraConventions: [langfuseConvention] });
    expect(result.rejected).toEqual([]);
    golden('otel-sdk-spans', result.batch);
    const byName = Object.fromEntries(result.batch.spans.map((s) => [s.name, s]));
    expect(byName['draft-reply']).toMatchObject({ kind: 'llm', model: 'gpt-4o', usage: { inputTokens: 120, outputTokens: 30, totalTokens: 150, cacheReadTokens: 100 }, costUsd: 0.0021 });
    expect(byName['lookup-order']).toMatchObject({ kind: 'tool', status: 'error', error: 'order service unavailable' });
    expect(byName['cache-miss'].kind).toBe('event');
    expect(result.batch.traces[0]).toMatchObject({ name: 'support-ticket', userId: 'u-7', sessionId: 's-9', tags: ['support', 'beta'], environment: 'staging', release: 'r-2024.05' });
  });
});
