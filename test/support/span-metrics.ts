// Test helpers for the span metrics rollup: the table as it is, the table as a recomputation
// from the spans table would make it (independently of metric-rollup.ts: SQL sums, and the
// histogram built from the duration_ms column), and a seeded random source.
import type Database from 'better-sqlite3';
import { forEachBucket, ordOf } from '../../src/store/sqlite/latency-histogram.js';

export interface RollupRow {
  key: string;
  count: number;
  durCount: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  costCount: number;
  latency: Record<string, number>;
}

const WIDTHS = [3_600_000_000, 86_400_000_000];

export function storedRollup(db: Database.Database): Map<string, RollupRow> {
  const rows = db.prepare('SELECT * FROM span_metrics').all() as Array<{
    project_id: number; width: number; start: number; kind: string; status: string; has_model: number; model: string; span_count: number; dur_count: number;
    input_tokens: number; output_tokens: number; cost_usd: number; cost_count: number; latency: Buffer;
  }>;
  const out = new Map<string, RollupRow>();
  for (const r of rows) {
    const latency: Record<string, number> = {};
    forEachBucket(r.latency, (o, c) => { latency[o] = c; });
    const key = `${r.project_id}|${r.width}|${r.start}|${r.kind}|${r.status}|${r.has_model ? r.model : null}`;
    out.set(key, { key, count: r.span_count, durCount: r.dur_count, inputTokens: r.input_tokens, outputTokens: r.output_tokens, costUsd: r.cost_usd, costCount: r.cost_count, latency });
  }
  return out;
}

export function recomputedRollup(db: Database.Database): Map<string, RollupRow> {
  const out = new Map<string, RollupRow>();
  for (const w of WIDTHS) recompute(db, w, out);
  return out;
}

function recompute(db: Database.Database, width: number, out: Map<string, RollupRow>): void {
  const groups = db.prepare(`SELECT project_id, (start_time / ${width}) * ${width} AS start, coalesce(kind, 'span') AS kind, coalesce(status, 'unset') AS status, model,
      count(*) AS n, count(duration_ms) AS nd,
      coalesce(sum(CASE WHEN kind IN ('llm', 'embedding') THEN input_tokens END), 0) AS itok,
      coalesce(sum(CASE WHEN kind IN ('llm', 'embedding') THEN output_tokens END), 0) AS otok,
      coalesce(sum(CASE WHEN kind IN ('llm', 'embedding') THEN cost_usd END), 0) AS cost,
      count(CASE WHEN kind IN ('llm', 'embedding') THEN cost_usd END) AS ncost,
      json_group_array(duration_ms) AS durs
    FROM spans GROUP BY 1, 2, 3, 4, 5`).all() as Array<{
    project_id: number; start: number; kind: string; status: string; model: string | null; n: number; nd: number; itok: number; otok: number; cost: number; ncost: number; durs: string;
  }>;
  for (const g of groups) {
    const latency: Record<string, number> = {};
    for (const d of JSON.parse(g.durs) as Array<number | null>) if (d !== null) latency[ordOf(d)] = (latency[ordOf(d)] ?? 0) + 1;
    const key = `${g.project_id}|${width}|${g.start}|${g.kind}|${g.status}|${g.model}`;
    out.set(key, { key, count: g.n, durCount: g.nd, inputTokens: g.itok, outputTokens: g.otok, costUsd: g.cost, costCount: g.ncost, latency });
  }
}

/** Rows sorted by key, cost rounded to 12 places (float sums in a different order). */
export function comparable(m: Map<string, RollupRow>): RollupRow[] {
  return [...m.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((r) => ({ ...r, costUsd: Math.round(r.costUsd * 1e12) / 1e12 }));
}

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
