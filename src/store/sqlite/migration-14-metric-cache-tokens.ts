// Migration 14 (metrics): prompt-cache token sums in the metrics rollups (read and written, llm
// and embedding spans), so the metrics API answers them from the rollup as from the spans. Trace
// rows keep none (the traces table has no cache counts): their columns stay 0. Both rollups are
// then built afresh from the spans and traces, in the migration's transaction: a database made
// before answers from them as soon as it opens (migrations 9 and 10 only make the tables).
//
// The rebuild is frozen here: a copy of what the live rollup code (span-metric-rollup.ts,
// trace-metric-rollup.ts, rollup-table.ts, latency-histogram.ts, varint.ts) did when this
// migration shipped, so later edits to that code cannot change what this migration writes. It
// imports nothing of theirs; do not make it. (The JS stays JS: the latency histogram's log
// buckets and varint bytes are not SQL's to reproduce bit for bit.)
import type Database from 'better-sqlite3';
import type { SqliteMigration } from './migrations.js';

export const MIGRATION_14: SqliteMigration = {
  version: 14,
  name: 'metrics rollups: cache tokens',
  sql: `
ALTER TABLE span_metrics ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE span_metrics ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trace_metrics ADD COLUMN cache_read_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trace_metrics ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
DELETE FROM span_metrics;
DELETE FROM trace_metrics;
`,
  run: (db) => {
    rebuildSpanMetrics(db);
    rebuildTraceMetrics(db);
  },
};

// ---- the rows: per project, width, epoch-aligned start and key, as rollup-table.ts wrote them ----

const HOUR_MICROS = 3_600_000_000;
const DAY_MICROS = 86_400_000_000;
const WIDTHS = [HOUR_MICROS, DAY_MICROS];

function floorTo(micros: number, width: number): number {
  return micros - (((micros % width) + width) % width);
}

/** One span's or trace's share of one row. */
interface Contribution {
  projectId: number;
  hour: number;
  key: readonly (string | number)[];
  /** project and key as one string: the row's identity within a (width, start). */
  id: string;
  ord: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number | null;
}

interface Row {
  projectId: number;
  width: number;
  start: number;
  key: readonly (string | number)[];
  count: number;
  durCount: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  costCount: number;
  latency: Map<number, number>;
}

/**
 * Sums every contribution into its hour and day rows and writes them into the (emptied) table:
 * what RollupDeltas.add(c, 1) for each, then apply(), wrote when no row existed before.
 */
function build(db: Database.Database, table: string, keys: readonly string[], countColumn: string, contributions: Iterable<Contribution>): void {
  const rows = WIDTHS.map(() => new Map<number, Map<string, Row>>());
  for (const c of contributions) {
    for (let w = 0; w < WIDTHS.length; w++) {
      const width = WIDTHS[w];
      const start = floorTo(c.hour, width);
      let atStart = rows[w].get(start);
      if (!atStart) {
        atStart = new Map();
        rows[w].set(start, atStart);
      }
      let d = atStart.get(c.id);
      if (!d) {
        d = { projectId: c.projectId, width, start, key: c.key, count: 0, durCount: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, costCount: 0, latency: new Map() };
        atStart.set(c.id, d);
      }
      d.count += 1;
      d.inputTokens += c.inputTokens;
      d.outputTokens += c.outputTokens;
      d.cacheReadTokens += c.cacheReadTokens;
      d.cacheWriteTokens += c.cacheWriteTokens;
      if (c.costUsd !== null) {
        d.costUsd += c.costUsd;
        d.costCount += 1;
      }
      if (c.ord !== null) {
        d.durCount += 1;
        d.latency.set(c.ord, (d.latency.get(c.ord) ?? 0) + 1);
      }
    }
  }
  const columns = ['project_id', 'width', 'start', ...keys, countColumn, 'dur_count', 'input_tokens', 'output_tokens', 'cost_usd', 'cost_count', 'latency',
    'cache_read_tokens', 'cache_write_tokens'];
  const put = db.prepare(`INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  for (const byStart of rows) {
    for (const atStart of byStart.values()) {
      for (const d of atStart.values()) {
        if (d.count === 0) continue;
        put.run(d.projectId, d.width, d.start, ...d.key, d.count, d.durCount, d.inputTokens, d.outputTokens,
          d.costCount === 0 ? 0 : d.costUsd, d.costCount, encodeHistogram(d.latency), d.cacheReadTokens, d.cacheWriteTokens);
      }
    }
  }
}

// ---- span_metrics: keys (kind, status, has_model, model), as span-metric-rollup.ts wrote them ----

type SpanStateRow = [projectId: number, kind: string | null, model: string | null, status: string | null, startTime: number, endTime: number | null,
  inputTokens: number | null, outputTokens: number | null, costUsd: number | null, cacheReadTokens: number | null, cacheWriteTokens: number | null];

/** The kinds whose tokens and cost count (USAGE_KINDS when this shipped). */
const USAGE = new Set(['llm', 'embedding']);

function* spanContributions(db: Database.Database): Generator<Contribution> {
  const rows = db.prepare(`SELECT project_id, kind, model, status, start_time, end_time, input_tokens, output_tokens, cost_usd, cache_read_tokens,
    cache_write_tokens FROM spans`).raw().iterate() as IterableIterator<SpanStateRow>;
  for (const [projectId, kind, model, status, startTime, endTime, inputTokens, outputTokens, costUsd, cacheReadTokens, cacheWriteTokens] of rows) {
    // the same double as the duration_ms column: (end_time - start_time) / 1000.0
    const durationMs = endTime === null ? null : (endTime - startTime) / 1000;
    const usage = kind !== null && USAGE.has(kind);
    const k = kind ?? 'span';
    const st = status ?? 'unset';
    yield {
      projectId,
      hour: floorTo(startTime, HOUR_MICROS),
      key: [k, st, model === null ? 0 : 1, model ?? ''],
      id: `${projectId}|${k}|${st}|${model === null ? '0|' : `1|${model}`}`,
      ord: durationMs === null ? null : ordOf(durationMs),
      inputTokens: usage ? inputTokens ?? 0 : 0,
      outputTokens: usage ? outputTokens ?? 0 : 0,
      cacheReadTokens: usage ? cacheReadTokens ?? 0 : 0,
      cacheWriteTokens: usage ? cacheWriteTokens ?? 0 : 0,
      costUsd: usage ? costUsd : null,
    };
  }
}

function rebuildSpanMetrics(db: Database.Database): void {
  build(db, 'span_metrics', ['kind', 'status', 'has_model', 'model'], 'span_count', spanContributions(db));
}

// ---- trace_metrics: key (status), as trace-metric-rollup.ts wrote them ----

type TraceStateRow = [projectId: number, startTime: number, endTime: number | null, status: string, inputTokens: number, outputTokens: number, costUsd: number | null];

function* traceContributions(db: Database.Database): Generator<Contribution> {
  const rows = db.prepare('SELECT project_id, start_time, end_time, status, input_tokens, output_tokens, cost_usd FROM traces').raw().iterate() as IterableIterator<TraceStateRow>;
  for (const [projectId, startTime, endTime, status, inputTokens, outputTokens, costUsd] of rows) {
    const durationMs = endTime === null ? null : (endTime - startTime) / 1000;
    yield {
      projectId,
      hour: floorTo(startTime, HOUR_MICROS),
      key: [status],
      id: `${projectId}|${status}`,
      ord: durationMs === null ? null : ordOf(durationMs),
      inputTokens,
      outputTokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd,
    };
  }
}

function rebuildTraceMetrics(db: Database.Database): void {
  build(db, 'trace_metrics', ['status'], 'trace_count', traceContributions(db));
}

// ---- the latency histogram, as latency-histogram.ts and varint.ts encoded it ----

const GAMMA = 1.02;
const LN_GAMMA = Math.log(GAMMA);
const I_MIN = -400;
const I_MAX = 2000;

/** The bucket of a duration (ms): 0 for 0, ±(1 + i - I_MIN) for positive and negative values. */
function ordOf(ms: number): number {
  if (ms === 0) return 0;
  const i = Math.min(I_MAX, Math.max(I_MIN, Math.ceil(Math.log(Math.abs(ms)) / LN_GAMMA)));
  const o = i - I_MIN + 1;
  return ms > 0 ? o : -o;
}

const zigzag = (n: number): number => (n >= 0 ? 2 * n : -2 * n - 1);

/** (ord delta, count) pairs as zigzag varints (unsigned LEB128), ords ascending; zero counts left out. */
function encodeHistogram(h: ReadonlyMap<number, number>): Buffer {
  const ords = [...h.keys()].filter((o) => h.get(o) !== 0).sort((a, b) => a - b);
  const values: number[] = [];
  let prev = 0;
  for (const o of ords) {
    values.push(zigzag(o - prev), zigzag(h.get(o) as number));
    prev = o;
  }
  const out = Buffer.allocUnsafe(values.length * 8);
  let p = 0;
  for (let z of values) {
    while (z >= 0x80) {
      out[p++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    out[p++] = z;
  }
  return out.subarray(0, p);
}
