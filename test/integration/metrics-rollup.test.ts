// Metrics from the rollups against the exact statement, on one SQLite file with thousands of
// spans over three days, four models (one of them '' and one missing), six kinds, every status,
// open spans, negative durations, and spans written in parts; their ~860 traces, some given a
// status or an end of their own, and pending traces without spans. Two stores on the file, each
// with its read worker: one sends every query a rollup can answer to it (threshold 0), one never
// (Infinity). Counts, errors, tokens must agree exactly, cost to float rounding, percentiles
// within 1%.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { SpanUpsert, TraceUpsert } from '../../src/model/batch.js';
import type { SpanKind, SpanStatus } from '../../src/model/enums.js';
import { parseMetricsQuery, type MetricsQuery, type MetricsRow } from '../../src/query/metrics.js';
import { rollupPlan } from '../../src/store/sqlite/metric-rollup-reads.js';
import { prng } from '../helpers/otlp.js';

const H0 = 1_772_359_200_000_000; // 2026-03-01T10:00:00Z
const HOUR = 3_600_000_000;
const MIN = 60_000_000;
const HOURS = 72;

let dir: string;
let writer: SqliteStore;
let rollup: SqliteStore;
let exact: SqliteStore;
let project: number;

const KINDS: Array<SpanKind | undefined> = ['llm', 'llm', 'embedding', 'tool', 'agent', 'span', undefined];
const MODELS: Array<string | undefined> = ['gpt-4o', 'gpt-4o', 'claude-3-5', '', undefined];
const STATUSES: Array<SpanStatus | undefined> = ['ok', 'ok', 'ok', 'error', undefined];

function dataSet(): { whole: SpanUpsert[]; startParts: SpanUpsert[]; endParts: SpanUpsert[]; traces: TraceUpsert[] } {
  const rnd = prng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const whole: SpanUpsert[] = [];
  const startParts: SpanUpsert[] = [];
  const endParts: SpanUpsert[] = [];
  for (let i = 0; i < 6000; i++) {
    const kind = pick(KINDS);
    const model = kind === 'llm' || kind === 'embedding' ? pick(MODELS) : rnd() < 0.1 ? pick(MODELS) : undefined;
    const start = H0 + Math.floor(rnd() * HOURS * HOUR);
    // log-uniform 0.05 ms .. 20 s, some zero, a few negative (an end before the start), some open
    const r = rnd();
    const durUs = r < 0.03 ? 0 : r < 0.05 ? -Math.floor(rnd() * 5000) : r < 0.1 ? null : Math.round(Math.exp(Math.log(50) + rnd() * Math.log(400_000)));
    const s: SpanUpsert = {
      id: `s${i}`, traceId: `t${Math.floor(i / 7)}`, kind, model, status: pick(STATUSES), name: 'op', startTime: start,
      ...(durUs === null ? {} : { endTime: start + durUs }),
      ...(rnd() < 0.8 ? { usage: { inputTokens: Math.floor(rnd() * 2000), ...(rnd() < 0.9 ? { outputTokens: Math.floor(rnd() * 500) } : {}) } } : {}),
      ...(rnd() < 0.7 ? { costUsd: Math.round(rnd() * 1e6) / 1e8 } : {}),
    };
    if (i % 10 === 0 && s.endTime !== undefined) {
      // written as a start part, then an end part carrying the end, usage and status
      startParts.push({ id: s.id, traceId: s.traceId, kind: s.kind, name: 'op', startTime: s.startTime, model: s.model });
      endParts.push({ id: s.id, traceId: s.traceId, endTime: s.endTime, status: s.status, usage: s.usage, costUsd: s.costUsd });
    } else {
      whole.push(s);
    }
  }
  const traces: TraceUpsert[] = [];
  for (let t = 0; t < 6000 / 7; t += 5) traces.push({ id: `t${t}`, ...(t % 2 ? { status: 'error' as const } : {}), ...(t % 3 ? {} : { endTime: H0 + HOURS * HOUR }) });
  // pending: no spans, no end
  for (let t = 0; t < 300; t++) traces.push({ id: `p${t}`, startTime: H0 + Math.floor(rnd() * HOURS * HOUR) });
  return { whole, startParts, endParts, traces };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-metrics-rollup-'));
  const file = join(dir, 'loupe.db');
  writer = new SqliteStore(file, { readWorker: false });
  await writer.init();
  project = (await writer.ensureProject('p')).id;
  const { whole, startParts, endParts, traces } = dataSet();
  const write = (spans: SpanUpsert[], t: TraceUpsert[] = []) => writer.writeGroup([{ projectId: project, receivedAt: H0, batch: { traces: t, spans, scores: [] } }]);
  for (let i = 0; i < whole.length; i += 1000) await write(whole.slice(i, i + 1000));
  await write(startParts);
  await write(whole.slice(0, 500)); // a retry of a batch already written
  await write(endParts);
  await write([], traces);
  rollup = new SqliteStore(file, { readWorker: true, metricsRollupThreshold: 0 });
  exact = new SqliteStore(file, { readWorker: true, metricsRollupThreshold: Infinity });
  await rollup.init();
  await exact.init();
});

afterAll(async () => {
  await rollup?.close();
  await exact?.close();
  await writer?.close();
  rmSync(dir, { recursive: true, force: true });
});

const iso = (us: number) => new Date(us / 1000).toISOString();
const query = (qs: string): MetricsQuery => parseMetricsQuery(Object.fromEntries(new URLSearchParams(qs)));

function expectClose(got: MetricsRow[], want: MetricsRow[], label: string): { approximate: number } {
  expect(got.map((r) => [r.bucket, r.group]), label).toEqual(want.map((r) => [r.bucket, r.group]));
  let approximate = 0;
  got.forEach((g, i) => {
    const w = want[i];
    const at = `${label} row ${i} (${iso(w.bucket)} ${w.group})`;
    expect([g.count, g.errorCount, g.errorRate, g.inputTokens, g.outputTokens], at).toEqual([w.count, w.errorCount, w.errorRate, w.inputTokens, w.outputTokens]);
    if (w.costUsd === null) expect(g.costUsd, at).toBeNull();
    else expect(Math.abs((g.costUsd as number) - w.costUsd), at).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w.costUsd)));
    for (const k of ['latencyP50Ms', 'latencyP95Ms', 'latencyP99Ms'] as const) {
      const e = w[k];
      const a = g[k];
      if (e === null || e === 0) {
        expect(a, `${at} ${k}`).toBe(e);
        continue;
      }
      expect(a, `${at} ${k}`).not.toBeNull();
      expect(Math.abs((a as number) - e) / Math.abs(e), `${at} ${k}: ${a} vs ${e}`).toBeLessThanOrEqual(0.01);
      if (a !== e) approximate++;
    }
  });
  return { approximate };
}

// Windows: hour-aligned, and not (partial hours at both ends come from the spans).
const ALIGNED = `from=${iso(H0)}&to=${iso(H0 + HOURS * HOUR)}`;
const RAGGED = `from=${iso(H0 + 17 * MIN + 3_000_123)}&to=${iso(H0 + (HOURS - 2) * HOUR + 41 * MIN + 7)}`;
const RAGGED_SHORT = `from=${iso(H0 + 5 * HOUR + 59 * MIN)}&to=${iso(H0 + 7 * HOUR + 1)}`;

const CASES = [
  `${RAGGED}&level=span&groupBy=model&interval=1d`,
  `${ALIGNED}&level=span&groupBy=model&interval=1d`,
  `${ALIGNED}&level=span&groupBy=kind&interval=1h`,
  `${RAGGED}&level=span&interval=3h`,
  `${RAGGED_SHORT}&level=span&groupBy=kind&interval=1h`,
  `${RAGGED}&level=span&groupBy=model&interval=1d&kind=llm`,
  `${RAGGED}&level=span&groupBy=kind&interval=2h&kind=span`,
  `${RAGGED}&level=span&groupBy=kind&interval=1d&model=gpt-4o`,
  `${RAGGED}&level=span&groupBy=model&interval=12h&status=error`,
  `${RAGGED}&level=span&groupBy=kind&interval=2d`,
  `${RAGGED}&level=span&groupBy=model&interval=1d&status=ok,unset`,
  `${ALIGNED}&level=span&interval=1d&status=unset&kind=tool`,
  `${RAGGED}&level=trace&interval=1d`,
  `${ALIGNED}&level=trace&interval=1h`,
  `${RAGGED}&level=trace&interval=6h&status=error`,
  `${RAGGED}&level=trace&interval=1d&status=success,pending`,
];

describe('rollup answers against the exact statement', () => {
  test.each(CASES)('%s', async (qs) => {
    const q = query(qs);
    expect(rollupPlan(q), 'the rollup can answer it').toBeDefined();
    const want = await exact.metrics(project, q);
    const got = await rollup.metrics(project, q);
    expect(want.length).toBeGreaterThan(0);
    expectClose(got, want, qs);
  });

  test.each([CASES[0], `${RAGGED}&level=trace&interval=1d`])('the rollup path ran: its percentiles are bucket representatives, not observed values: %s', async (qs) => {
    const q = query(qs);
    const { approximate } = expectClose(await rollup.metrics(project, q), await exact.metrics(project, q), qs);
    expect(approximate).toBeGreaterThan(0);
  });

  test('the model "" and a missing model are different groups', async () => {
    const rows = await rollup.metrics(project, query(`${ALIGNED}&level=span&groupBy=model&interval=1d`));
    const groups = [...new Set(rows.map((r) => r.group))];
    expect(groups).toEqual(['', 'claude-3-5', 'gpt-4o', null]);
  });
});

describe('what runs the exact statement', () => {
  test.each([
    `${RAGGED}&level=span&groupBy=name&interval=1d`,
    `${RAGGED}&level=span&groupBy=environment&interval=1d`,
    `${RAGGED}&level=span&groupBy=model&interval=30m`,
    `${RAGGED}&level=span&groupBy=model&interval=1d&name=op`,
    `${RAGGED}&level=span&groupBy=model&interval=1d&minDurationMs=5`,
    `${RAGGED}&level=trace&interval=1d&groupBy=environment`,
    `${RAGGED}&level=trace&interval=1d&groupBy=model`,
    `${RAGGED}&level=trace&interval=1d&groupBy=kind`,
    `${RAGGED}&level=trace&interval=1d&model=gpt-4o`,
    `${RAGGED}&level=trace&interval=1d&kind=llm`,
    `${RAGGED}&level=trace&interval=1d&minDurationMs=3`,
    `from=${iso(H0 + 10 * MIN)}&to=${iso(H0 + 50 * MIN)}&level=span&interval=1h`,
  ])('%s', async (qs) => {
    const q = query(qs);
    expect(await rollup.metrics(project, q)).toEqual(await exact.metrics(project, q));
  });

  test('a window with no more spans than the threshold', async () => {
    const file = join(dir, 'loupe.db');
    const q = query(`${ALIGNED}&level=span&groupBy=model&interval=1d`);
    const below = new SqliteStore(file, { readWorker: false, metricsRollupThreshold: 6000 });
    const above = new SqliteStore(file, { readWorker: false, metricsRollupThreshold: 5999 });
    await below.init();
    await above.init();
    try {
      // the window's hours hold all 6,000 spans
      expect(await below.metrics(project, q)).toEqual(await exact.metrics(project, q));
      expect(await above.metrics(project, q)).not.toEqual(await exact.metrics(project, q));
    } finally {
      await below.close();
      await above.close();
    }
  });

  test('rollupPlan', () => {
    expect(rollupPlan(query(`${RAGGED}&level=span&interval=1h`))).toMatchObject({ wholeFrom: H0 + HOUR, wholeTo: H0 + (HOURS - 2) * HOUR });
    expect(rollupPlan(query(`${ALIGNED}&level=span&interval=1h`))).toMatchObject({ from: H0, wholeFrom: H0, wholeTo: H0 + HOURS * HOUR });
    expect(rollupPlan(query(`${ALIGNED}&level=span&interval=1h&metadata.k=v`))).toBeUndefined();
    expect(rollupPlan(query(`${ALIGNED}&level=span&interval=1h&tag=x`))).toBeUndefined();
    expect(rollupPlan(query(`${ALIGNED}&level=span&interval=1h&filter=${encodeURIComponent('kind = "llm"')}`))).toBeUndefined();
    expect(rollupPlan(query(`${ALIGNED}&level=span&interval=1h&traceId=t1`))).toBeUndefined();
    expect(rollupPlan(query(`${ALIGNED}&level=span&interval=1h&userId=u`))).toBeUndefined();
    expect(rollupPlan(query(`${ALIGNED}&level=span&interval=1h&score.x=1`))).toBeUndefined();
  });
});
