// Golden tests for the Avido adapter: each fixtures/NAME.json is mapped and compared with
// fixtures/NAME.expected.json (run with UPDATE_GOLDEN=1 to rewrite after a deliberate change).
import { describe, expect, test } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { avidoAdapter, type StoredLlmSpan } from './index.js';
import { microsFromIso } from '../../model/time.js';

const dir = new URL('./fixtures/', import.meta.url);
const ctx = { receivedAt: 1_736_000_000_000_000, headers: {} };
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));

describe('avido golden files', () => {
  const inputs = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json') && !f.startsWith('seed-otel'));
  test.each(inputs)('%s', (name) => {
    const actual = avidoAdapter(load(name), ctx);
    const expectedFile = new URL(name.replace(/\.json$/, '.expected.json'), dir);
    if (process.env.UPDATE_GOLDEN || !existsSync(expectedFile)) writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
    expect(JSON.parse(JSON.stringify(actual))).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')));
  });
});

describe('llm start and end make one span', () => {
  const start = { type: 'llm', event: 'start', traceId: 'T', timestamp: '2025-01-01T00:00:01Z', modelId: 'm1', input: 'hi' };
  const end = { type: 'llm', event: 'end', traceId: 'T', timestamp: '2025-01-01T00:00:02Z', modelId: 'm1', output: 'yo' };

  test('in one request, whatever the order', () => {
    const a = avidoAdapter({ events: [start, end] }, ctx);
    const b = avidoAdapter({ events: [end, start] }, ctx);
    expect(new Set(a.batch.spans.map((s) => s.id)).size).toBe(1);
    expect(b.batch.spans.map((s) => s.id)).toEqual([a.batch.spans[0].id, a.batch.spans[0].id]);
  });

  test('across requests: the end closes the stored unclosed span, and a retried end closes it again', () => {
    const first = avidoAdapter({ events: [start] }, ctx);
    const id = first.batch.spans[0].id;
    const open: StoredLlmSpan = { id, model: 'm1', startTime: microsFromIso(start.timestamp)!, endTime: null };
    const closing = avidoAdapter({ events: [end] }, { ...ctx, storedLlm: new Map([['T', [open]]]) });
    expect(closing.items).toEqual([{ success: true, id }]);
    const closed = { ...open, endTime: microsFromIso(end.timestamp)! };
    const retried = avidoAdapter({ events: [end] }, { ...ctx, storedLlm: new Map([['T', [closed]]]) });
    expect(retried.batch.spans[0].id).toBe(id);
  });

  test('two calls of one trace pair by model, then by order', () => {
    const s2 = { ...start, timestamp: '2025-01-01T00:00:01.5Z', modelId: 'm2' };
    const e2 = { ...end, timestamp: '2025-01-01T00:00:03Z', modelId: 'm2' };
    const r = avidoAdapter({ events: [start, s2, e2, end] }, ctx);
    const [a, b, c, d] = r.batch.spans.map((s) => s.id);
    expect(c).toBe(b);
    expect(d).toBe(a);
    expect(a).not.toBe(b);
  });

  test('an explicit id pairs start and end', () => {
    const r = avidoAdapter({ events: [{ ...start, id: 'call-1' }, { ...end, id: 'call-1', modelId: 'other' }] }, ctx);
    expect(r.batch.spans.map((s) => s.id)).toEqual(['call-1', 'call-1']);
  });
});

test('steps without traceId take the only trace of the request, and are refused when there is none', () => {
  const ok = avidoAdapter({ events: [{ type: 'trace', timestamp: '2025-01-01T00:00:00Z' }, { type: 'tool', timestamp: '2025-01-01T00:00:01Z' }] }, ctx);
  expect(ok.batch.spans[0].traceId).toBe(ok.items[0].id);
  const bad = avidoAdapter({ events: [{ type: 'tool', timestamp: '2025-01-01T00:00:01Z' }] }, ctx);
  expect(bad.items[0]).toMatchObject({ success: false, error: expect.stringContaining('traceId') });
});

test('a body without an events array is a 400', () => {
  expect(() => avidoAdapter({ event: [] }, ctx)).toThrow(/events/);
});
