// Table-driven tests of model-name matching against the built-in price table, and of the cost
// formula on hand-computed values.
import { describe, expect, test } from 'vitest';
import { BUILTIN_PRICES } from './prices.js';
import { PriceTable, normalizeModel, patternMatches } from './match.js';
import { costOf } from './compute.js';
import { microsFromIso } from '../model/time.js';

const table = new PriceTable(BUILTIN_PRICES);
const at = (iso: string) => microsFromIso(iso) as number;
const NOW = at('2025-12-01T00:00:00Z');

describe('model name -> built-in pattern', () => {
  const cases: Array<[model: string, pattern: string | undefined]> = [
    ['gpt-4o', 'gpt-4o'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-2024-11-20', 'gpt-4o'],
    ['gpt-4o-2024-05-13', 'gpt-4o-2024-05-13'], // the snapshot that kept its launch price
    ['gpt-4o-mini', 'gpt-4o-mini'],
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai/gpt-4o', 'gpt-4o'],
    ['azure/openai/gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['GPT-4o', 'gpt-4o'],
    ['gpt-4.1', 'gpt-4.1'],
    ['gpt-4.1-2025-04-14', 'gpt-4.1'],
    ['gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini'],
    ['gpt-4.1-nano', 'gpt-4.1-nano'],
    ['gpt-4', 'gpt-4'],
    ['gpt-4-0613', 'gpt-4'],
    ['gpt-4-turbo-2024-04-09', 'gpt-4-turbo'],
    ['gpt-4.5-preview', undefined], // a dot is not a snapshot separator: not gpt-4
    ['o1', 'o1'],
    ['o1-2024-12-17', 'o1'],
    ['o1-mini-2024-09-12', 'o1-mini'],
    ['o3-2025-04-16', 'o3'],
    ['o3-mini', 'o3-mini'],
    ['o4-mini-2025-04-16', 'o4-mini'],
    ['gpt-5', 'gpt-5'],
    ['gpt-5-2025-08-07', 'gpt-5'],
    ['gpt-5-mini-2025-08-07', 'gpt-5-mini'],
    ['gpt-5-nano', 'gpt-5-nano'],
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['claude-3-5-sonnet-latest', 'claude-3-5-sonnet'],
    ['claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet'], // Vertex AI
    ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'claude-3-5-sonnet'], // Bedrock
    ['us.anthropic.claude-3-7-sonnet-20250219-v1:0', 'claude-3-7-sonnet'], // Bedrock cross-region
    ['claude-3-5-haiku-20241022', 'claude-3-5-haiku'],
    ['claude-3-haiku-20240307', 'claude-3-haiku'],
    ['claude-sonnet-4-20250514', 'claude-sonnet-4'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-opus-4-20250514', 'claude-opus-4'],
    ['claude-opus-4-1-20250805', 'claude-opus-4-1'],
    ['claude-haiku-4-5', 'claude-haiku-4-5'],
    ['models/gemini-1.5-pro-002', 'gemini-1.5-pro'],
    ['gemini-1.5-flash-8b-001', 'gemini-1.5-flash-8b'],
    ['gemini-2.0-flash-001', 'gemini-2.0-flash'],
    ['gemini-2.0-flash-lite', 'gemini-2.0-flash-lite'],
    ['google/gemini-2.5-pro', 'gemini-2.5-pro'],
    ['gemini-2.5-flash-lite', 'gemini-2.5-flash-lite'],
    ['mistral-large-latest', 'mistral-large'],
    ['mistral-large-2411', 'mistral-large'],
    ['mistral-small-2503', 'mistral-small'],
    ['codestral-2501', 'codestral'],
    ['meta-llama/Llama-3.3-70B-Instruct-Turbo', 'llama-3.3-70b'],
    ['llama-3.1-8b-instant', 'llama-3.1-8b'],
    ['meta.llama3-1-70b-instruct-v1:0', 'llama3-1-70b'],
    ['deepseek-chat', 'deepseek-chat'],
    ['deepseek/deepseek-reasoner', 'deepseek-reasoner'],
    ['text-embedding-3-small', 'text-embedding-3-small'],
    ['my-own-model', undefined],
  ];
  test.each(cases)('%s -> %s', (model, pattern) => {
    expect(table.lookup(model, NOW)?.modelPattern).toBe(pattern);
  });
});

describe('effective dates in the built-in table', () => {
  const cases: Array<[model: string, when: string, inputPerM: number | undefined, outputPerM: number | undefined]> = [
    ['gpt-4o-2024-08-06', '2024-07-01T00:00:00Z', 5, 15], // before the August 2024 price
    ['gpt-4o', '2024-08-06T00:00:00Z', 2.5, 10], // from the day it applies
    ['o3', '2025-05-01T00:00:00Z', 10, 40],
    ['o3', '2025-06-10T00:00:00Z', 2, 8],
    ['deepseek-chat', '2025-03-01T00:00:00Z', 0.27, 1.1],
    ['deepseek-chat', '2025-10-01T00:00:00Z', 0.28, 0.42],
    ['gpt-5', '2025-01-01T00:00:00Z', undefined, undefined], // before any price: none
  ];
  test.each(cases)('%s at %s', (model, when, input, output) => {
    const p = table.lookup(model, at(when));
    expect(p && Math.round(p.inputPrice * 1e8) / 100).toBe(input);
    expect(p && Math.round(p.outputPrice * 1e8) / 100).toBe(output);
  });
});

test('provider prefixes are dropped and names lower-cased', () => {
  expect(normalizeModel('openai/gpt-4o')).toBe('gpt-4o');
  expect(normalizeModel('models/gemini-1.5-pro')).toBe('gemini-1.5-pro');
  expect(normalizeModel('anthropic.claude-3-haiku-20240307-v1:0')).toBe('claude-3-haiku-20240307-v1:0');
  expect(normalizeModel('eu.anthropic.claude-3-5-sonnet-20240620-v1:0')).toBe('claude-3-5-sonnet-20240620-v1:0');
  expect(patternMatches('acme-*', 'acme-llm-v2')).toBe(true);
  expect(patternMatches('acme-*', 'other')).toBe(false);
  expect(patternMatches('gpt-4o', 'gpt-4omni')).toBe(false);
});

test('project entries: most specific pattern first, project before built-in, fall through before their date', () => {
  const t = new PriceTable(BUILTIN_PRICES, [
    { modelPattern: 'gpt-4o', inputPrice: 1e-6, outputPrice: 2e-6, effectiveFrom: at('2025-07-01T00:00:00Z') },
    { modelPattern: 'gpt-4o-2024-08-06', inputPrice: 9e-6, outputPrice: 9e-6, effectiveFrom: at('2026-01-01T00:00:00Z') },
    { modelPattern: 'acme-*', inputPrice: 1e-6, outputPrice: 1e-6, effectiveFrom: 0 },
  ]);
  expect(t.lookup('gpt-4o-2024-08-06', at('2025-06-30T23:59:59Z'))).toMatchObject({ source: 'builtin', modelPattern: 'gpt-4o', inputPrice: 2.5e-6 });
  expect(t.lookup('gpt-4o-2024-08-06', at('2025-07-01T00:00:00Z'))).toMatchObject({ source: 'project', modelPattern: 'gpt-4o', inputPrice: 1e-6 });
  expect(t.lookup('gpt-4o-2024-08-06', at('2026-01-01T00:00:00Z'))).toMatchObject({ source: 'project', modelPattern: 'gpt-4o-2024-08-06' });
  // The more specific built-in family still wins over the project's shorter pattern.
  expect(t.lookup('gpt-4o-mini', at('2025-08-01T00:00:00Z'))).toMatchObject({ source: 'builtin', modelPattern: 'gpt-4o-mini' });
  expect(t.lookup('acme-llm-v2', 0)).toMatchObject({ source: 'project', modelPattern: 'acme-*' });
});

test('cost = (input - cacheRead) * input + cacheRead * cacheRead price + output * output', () => {
  const gpt4o = table.lookup('gpt-4o', NOW)!;
  // (1000 - 200) * 2.50e-6 + 200 * 1.25e-6 + 500 * 10e-6 = 0.002 + 0.00025 + 0.005 = 0.00725
  expect(costOf({ inputTokens: 1000, cacheReadTokens: 200, outputTokens: 500 }, gpt4o)).toBeCloseTo(0.00725, 12);
  const mistral = table.lookup('mistral-large-latest', NOW)!;
  // no cache-read price: cache reads cost the input price: 1000 * 2e-6 + 100 * 6e-6 = 0.0026
  expect(costOf({ inputTokens: 1000, cacheReadTokens: 300, outputTokens: 100 }, mistral)).toBeCloseTo(0.0026, 12);
  // only output: 0 + 2000 * 10e-6 = 0.02
  expect(costOf({ outputTokens: 2000 }, gpt4o)).toBeCloseTo(0.02, 12);
  expect(costOf({}, gpt4o)).toBeUndefined();
});
