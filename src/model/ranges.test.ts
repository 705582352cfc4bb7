// The one range check (issue 14): its bounds, the clamp of an end before its start, and
// enforceRanges dropping (and naming) what is out of range while leaving the rest untouched.
import { expect, test } from 'vitest';
import { emptyBatch } from './batch.js';
import { MAX_COST_USD, MAX_DURATION_MS, MAX_MICROS, MAX_TOKENS, clampEnd, enforceRanges, scoreRangeProblem, spanRangeProblem, traceRangeProblem } from './ranges.js';

const T = 1_740_823_200_000_000;

test('times: whole µs from 1970 to 2^53 - 1; anything else names its field', () => {
  for (const t of [0, T, MAX_MICROS]) expect(spanRangeProblem({ id: 's', traceId: 't', startTime: t, endTime: t })).toBeUndefined();
  for (const t of [-1, MAX_MICROS + 1, 1e21, 1.5, NaN, Infinity]) {
    expect(spanRangeProblem({ id: 's', traceId: 't', startTime: t })).toMatch(/^startTime: /);
    expect(spanRangeProblem({ id: 's', traceId: 't', startTime: T, endTime: t })).toMatch(/^endTime: /);
    expect(traceRangeProblem({ id: 't', startTime: t })).toMatch(/^startTime: /);
    expect(scoreRangeProblem({ id: 'c', traceId: 't', name: 'n', value: 1, source: 'api', createdAt: t })).toMatch(/^createdAt: /);
  }
  expect(spanRangeProblem({ id: 's', traceId: 't', events: [{ name: 'e', time: 1e21, attributes: {} }] })).toMatch(/^events\.time: /);
});

test('durations, token counts and costs', () => {
  expect(traceRangeProblem({ id: 't', durationMs: MAX_DURATION_MS })).toBeUndefined();
  for (const d of [-1, MAX_DURATION_MS + 1, 1e300]) expect(traceRangeProblem({ id: 't', durationMs: d })).toMatch(/^durationMs: /);
  expect(spanRangeProblem({ id: 's', traceId: 't', usage: { inputTokens: MAX_TOKENS, reasoningTokens: 0 }, costUsd: MAX_COST_USD })).toBeUndefined();
  for (const n of [-1, 1.5, MAX_TOKENS + 1, 1e300]) expect(spanRangeProblem({ id: 's', traceId: 't', usage: { cacheWriteTokens: n } })).toMatch(/^usage\.cacheWriteTokens: /);
  for (const c of [-0.01, MAX_COST_USD + 1, 1e300, NaN]) expect(spanRangeProblem({ id: 's', traceId: 't', costUsd: c })).toMatch(/^costUsd: /);
  expect(scoreRangeProblem({ id: 'c', traceId: 't', name: 'n', value: Infinity, source: 'api', createdAt: T })).toMatch(/^value: /);
});

test('an end before its start is moved to the start', () => {
  expect(clampEnd({ startTime: T + 5, endTime: T })).toEqual({ startTime: T + 5, endTime: T + 5 });
  expect(clampEnd({ startTime: T, endTime: T + 5 })).toEqual({ startTime: T, endTime: T + 5 });
  expect(clampEnd({ endTime: T })).toEqual({ endTime: T });
});

test('enforceRanges drops what is out of range, names it, clamps the rest in place', () => {
  const b = emptyBatch();
  b.traces.push({ id: 'bad', startTime: 1e21 }, { id: 'ok', startTime: T + 9, endTime: T });
  b.spans.push({ id: 's1', traceId: 'ok', startTime: T, endTime: T + 1 }, { id: 's2', traceId: 'ok', costUsd: 1e300 }, { id: 's3', traceId: 'ok', startTime: T + 2, endTime: T + 1 });
  b.scores.push({ id: 'c', traceId: 'ok', name: 'n', value: 1, source: 'api', createdAt: -5 });
  const spans = b.spans;
  expect(enforceRanges(b).map((r) => r.item)).toEqual(['trace bad', 'span s2 (trace ok)', 'score c']);
  expect(b.traces).toEqual([{ id: 'ok', startTime: T + 9, endTime: T + 9 }]);
  expect(b.spans.map((s) => [s.id, s.endTime])).toEqual([['s1', T + 1], ['s3', T + 2]]);
  expect(b.scores).toEqual([]);
  // a batch with nothing out of range keeps its arrays
  const good = emptyBatch();
  good.spans.push(spans[0]);
  const before = good.spans;
  expect(enforceRanges(good)).toEqual([]);
  expect(good.spans).toBe(before);
});

test('ids and keys holding a lone surrogate or a NUL are refused: stored, they could not be looked up again', () => {
  expect(traceRangeProblem({ id: 'a\ud800' })).toMatch(/^id: holds a lone UTF-16 surrogate/);
  expect(traceRangeProblem({ id: 'ok', userId: 'u\u0000' })).toMatch(/^userId:/);
  expect(spanRangeProblem({ id: 's', traceId: 't', parentId: '\udc00x' })).toMatch(/^parentId:/);
  expect(scoreRangeProblem({ id: 'c', traceId: 't\ud83d', name: 'n', value: 1, source: 'api', createdAt: T })).toMatch(/^traceId:/);
  // a surrogate pair (an emoji) is fine
  expect(traceRangeProblem({ id: 'trace-🙂', userId: '🙂' })).toBeUndefined();
});
