// The sampling step alone: deterministic per trace id, errors and thresholds always kept, the
// rate honoured over many ids, every piece of a trace given the same answer.
import { describe, expect, test } from 'vitest';
import { emptyBatch, type Batch } from '../model/batch.js';
import { DEFAULT_SAMPLING, SamplingRules, sampleBatch, samplingRulesFrom, traceFraction } from './sampling.js';

const T0 = 1_772_359_200_000_000;

function batchOf(n: number, status: 'success' | 'error' = 'success'): Batch {
  const b = emptyBatch();
  for (let i = 0; i < n; i++) {
    b.traces.push({ id: `trace-${status}-${i}`, status, startTime: T0, endTime: T0 + 100_000 });
    b.spans.push({ id: `span-${i}`, traceId: `trace-${status}-${i}`, kind: 'llm', startTime: T0, endTime: T0 + 100_000, costUsd: 0.001 });
  }
  return b;
}

describe('sampling', () => {
  test('traceFraction is a stable number in [0, 1)', () => {
    const f = traceFraction('abc');
    expect(f).toBeGreaterThanOrEqual(0);
    expect(f).toBeLessThan(1);
    expect(traceFraction('abc')).toBe(f);
    expect(traceFraction('abd')).not.toBe(f);
  });

  test('defaults: collector only, keep errors, 10% of the rest', () => {
    expect(DEFAULT_SAMPLING).toEqual({ appliesTo: 'collector', keepErrors: true, minDurationMs: null, minCostUsd: null, successRate: 0.1 });
    expect(samplingRulesFrom(null)).toEqual(DEFAULT_SAMPLING);
    expect(samplingRulesFrom({ sampling: { successRate: 0.5 } }).successRate).toBe(0.5);
    expect(samplingRulesFrom({ sampling: { successRate: 7 } })).toEqual(DEFAULT_SAMPLING);
  });

  test('about 10% of 1000 successful traces are kept, the same ones every time', () => {
    const first = sampleBatch(batchOf(1000), DEFAULT_SAMPLING);
    expect(first.outcome.received).toBe(1000);
    expect(first.outcome.kept + first.outcome.sampledOut).toBe(1000);
    expect(first.outcome.kept).toBeGreaterThan(60);
    expect(first.outcome.kept).toBeLessThan(140);
    const again = sampleBatch(batchOf(1000), DEFAULT_SAMPLING);
    expect(again.outcome.keptIds).toEqual(first.outcome.keptIds);
    // Spans follow their trace.
    expect(new Set(first.batch.spans.map((s) => s.traceId))).toEqual(new Set(first.outcome.keptIds));
  });

  test('every error trace is kept, whether the trace or one of its spans says so', () => {
    const b = batchOf(200, 'error');
    const spanErr = batchOf(50);
    for (const s of spanErr.spans) s.status = 'error';
    expect(sampleBatch(b, DEFAULT_SAMPLING).outcome.sampledOut).toBe(0);
    expect(sampleBatch(spanErr, DEFAULT_SAMPLING).outcome.sampledOut).toBe(0);
    expect(sampleBatch(batchOf(200, 'error'), { ...DEFAULT_SAMPLING, keepErrors: false, successRate: 0 }).outcome.kept).toBe(0);
  });

  test('latency and cost thresholds keep traces over them', () => {
    const none = { ...DEFAULT_SAMPLING, successRate: 0 };
    expect(sampleBatch(batchOf(20), none).outcome.kept).toBe(0);
    expect(sampleBatch(batchOf(20), { ...none, minDurationMs: 100 }).outcome.kept).toBe(20);
    expect(sampleBatch(batchOf(20), { ...none, minDurationMs: 101 }).outcome.kept).toBe(0);
    expect(sampleBatch(batchOf(20), { ...none, minCostUsd: 0.001 }).outcome.kept).toBe(20);
    expect(sampleBatch(batchOf(20), { ...none, minCostUsd: 0.002 }).outcome.kept).toBe(0);
    // A duration told without times (Evalgate durationMs) counts too.
    const told = emptyBatch();
    told.traces.push({ id: 'slow', durationMs: 5000 });
    expect(sampleBatch(told, { ...none, minDurationMs: 1000 }).outcome.keptIds).toEqual(['slow']);
  });

  test('cost counts only llm and embedding spans, as the stored rollup does', () => {
    const b = emptyBatch();
    b.spans.push({ id: 'a', traceId: 't', kind: 'agent', costUsd: 5 }, { id: 'l', traceId: 't', kind: 'llm', costUsd: 0.5 });
    const rules = SamplingRules.parse({ successRate: 0, minCostUsd: 1 });
    expect(sampleBatch(b, rules).outcome.kept).toBe(0);
  });

  test('pieces of one trace in different batches get the same decision', () => {
    const rules = { ...DEFAULT_SAMPLING, successRate: 0.5 };
    for (let i = 0; i < 100; i++) {
      const id = `stream-${i}`;
      const a = emptyBatch();
      a.spans.push({ id: 'root', traceId: id });
      const b = emptyBatch();
      b.spans.push({ id: 'child', traceId: id, parentId: 'root' });
      b.scores.push({ id: 'sc', traceId: id, name: 'thumbs', value: 1, source: 'user', createdAt: T0 });
      expect(sampleBatch(a, rules).outcome.kept).toBe(sampleBatch(b, rules).outcome.kept);
    }
  });

  test('rate 1 keeps everything and hands back the batch untouched', () => {
    const b = batchOf(10);
    expect(sampleBatch(b, { ...DEFAULT_SAMPLING, successRate: 1 }).batch).toBe(b);
  });
});
