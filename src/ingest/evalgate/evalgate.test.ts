// Golden tests: each fixture body beside the adapter's expected output (`*.expected.json`).
// Regenerate after an intended change with UPDATE_GOLDEN=1 and review the diff.
import { describe, expect, test } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isLoupeError } from '../../errors.js';
import { addSpanAdapter, collectorAdapter, createTraceAdapter } from './index.js';

const dir = new URL('./fixtures/', import.meta.url);
const read = (name: string): unknown => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));

function golden(name: string, actual: unknown): void {
  const file = new URL(name.replace(/\.json$/, '.expected.json'), dir);
  const json = JSON.parse(JSON.stringify(actual)) as unknown;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  expect(existsSync(file), `${file.pathname} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(json).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    if (isLoupeError(e)) return { status: e.status, ...e.toJSON() };
    throw e;
  }
  throw new Error('expected a LoupeError');
}

describe('evalgate adapter', () => {
  test('collector batch', () => golden('collector-batch.json', collectorAdapter(read('collector-batch.json'))));

  test('an invalid trace refuses the batch, naming each invalid trace by index and traceId', () => {
    const err = errorOf(() => collectorAdapter(read('collector-invalid.json')));
    golden('collector-invalid.json', err);
    const { error } = err as { error: { message: string; details: { invalid: { index: number; traceId: string }[] } } };
    expect(error.message).toContain('traces[1] (traceId "bad-2")');
    expect(error.details.invalid.map((i) => [i.index, i.traceId])).toEqual([[1, 'bad-2'], [2, 'bad-3']]);
  });

  test('create trace', () => golden('create-trace.json', createTraceAdapter(read('create-trace.json'))));

  test('add span', () => golden('add-span.json', addSpanAdapter(read('add-span.json'), 'chk-5d1f0c')));

  test('the adapter is pure: the same body gives the same batch (so a retry is idempotent)', () => {
    const body = read('collector-batch.json');
    expect(collectorAdapter(body)).toEqual(collectorAdapter(structuredClone(body)));
  });

  test('a body that is not {traces:[…]} is a 400', () => {
    expect((errorOf(() => collectorAdapter({ trace: [] })) as { status: number }).status).toBe(400);
    expect((errorOf(() => collectorAdapter(null)) as { status: number }).status).toBe(400);
  });

  test('spans sent without spanId get stable derived ids', () => {
    const body = { traces: [{ name: 't', traceId: 'no-ids', spans: [{ name: 'a' }, { name: 'a' }] }] };
    const ids = collectorAdapter(body).batch.spans.map((s) => s.id);
    expect(new Set(ids).size).toBe(2);
    expect(collectorAdapter(body).batch.spans.map((s) => s.id)).toEqual(ids);
  });
});
