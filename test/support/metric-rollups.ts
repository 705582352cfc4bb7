// Test helpers for the metrics rollups: a rollup table as it is, and as a recomputation from the
// spans or traces table would make it (independently of the rollup code: SQL sums, and the
// histogram built from the duration_ms column).
import type Database from 'better-sqlite3';
import { forEachBucket, ordOf } from '../../src/store/sqlite/latency-histogram.js';

export interface RollupRow {
  key: string;
  count: number;
  durCount: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  costCount: number;
  latency: Record<string, number>;
}

export type Level = 'span' | 'trace';

const WIDTHS = [3_600_000_000, 86_400_000_000];

interface Stored {
  project_id: number; width: number; start: number; kind?: string; status: string; has_model?: number; model?: string; span_count?: number; trace_count?: number;
  dur_count: number; input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number; cost_usd: number; cost_count: number; latency: Buffer;
}

export function storedRollup(db: Database.Database, level: Level = 'span'): Map<string, RollupRow> {
  const rows = db.prepare(`SELECT * FROM ${level}_metrics`).all() as Stored[];
  const out = new Map<string, RollupRow>();
  for (const r of rows) {
    const latency: Record<string, number> = {};
    forEachBucket(r.latency, (o, c) => { latency[o] = c; });
    const key = level === 'span' ? `${r.project_id}|${r.width}|${r.start}|${r.kind}|${r.status}|${r.has_model ? r.model : null}` : `${r.project_id}|${r.width}|${r.start}|${r.status}`;
    out.set(key, {
      key, count: (r.span_count ?? r.trace_count) as number, durCount: r.dur_count, inputTokens: r.input_tokens, outputTokens: r.output_tokens,
      cacheReadTokens: r.cache_read_tokens, cacheWriteTokens: r.cache_write_tokens, costUsd: r.cost_usd, costCount: r.cost_count, latency,
    });
  }
  return out;
}

/** `spansWhere`: a condition on the spans counted (span level), e.g. the compacted rows only. */
export function recomputedRollup(db: Database.Database, level: Level = 'span', spansWhere = '1'): Map<string, RollupRow> {
  const out = new Map<string, RollupRow>();
  for (const w of WIDTHS) recompute(db, level, w, out, spansWhere);
  return out;
}

const USAGE = (col: string) => `CASE WHEN kind IN ('llm', 'embedding') THEN ${col} END`;

function recompute(db: Database.Database, level: Level, width: number, out: Map<string, RollupRow>, spansWhere: string): void {
  const sql = level === 'span'
    ? `SELECT project_id, (start_time / ${width}) * ${width} AS start, coalesce(kind, 'span') || '|' || coalesce(status, 'unset') || '|' || coalesce(model, 'null') AS dims,
        count(*) AS n, count(duration_ms) AS nd, coalesce(sum(${USAGE('input_tokens')}), 0) AS itok, coalesce(sum(${USAGE('output_tokens')}), 0) AS otok,
        coalesce(sum(${USAGE('cache_read_tokens')}), 0) AS crtok, coalesce(sum(${USAGE('cache_write_tokens')}), 0) AS cwtok,
        coalesce(sum(${USAGE('cost_usd')}), 0) AS cost, count(${USAGE('cost_usd')}) AS ncost, json_group_array(duration_ms) AS durs
      FROM spans WHERE ${spansWhere} GROUP BY project_id, start, coalesce(kind, 'span'), coalesce(status, 'unset'), model`
    : `SELECT project_id, (start_time / ${width}) * ${width} AS start, status AS dims,
        count(*) AS n, count(duration_ms) AS nd, sum(input_tokens) AS itok, sum(output_tokens) AS otok, 0 AS crtok, 0 AS cwtok,
        coalesce(sum(cost_usd), 0) AS cost, count(cost_usd) AS ncost, json_group_array(duration_ms) AS durs
      FROM traces GROUP BY 1, 2, 3`;
  const groups = db.prepare(sql).all() as Array<{ project_id: number; start: number; dims: string; n: number; nd: number; itok: number; otok: number;
    crtok: number; cwtok: number; cost: number; ncost: number; durs: string }>;
  for (const g of groups) {
    const latency: Record<string, number> = {};
    for (const d of JSON.parse(g.durs) as Array<number | null>) if (d !== null) latency[ordOf(d)] = (latency[ordOf(d)] ?? 0) + 1;
    const key = `${g.project_id}|${width}|${g.start}|${g.dims}`;
    out.set(key, { key, count: g.n, durCount: g.nd, inputTokens: g.itok, outputTokens: g.otok, cacheReadTokens: g.crtok, cacheWriteTokens: g.cwtok, costUsd: g.cost, costCount: g.ncost, latency });
  }
}

/** Rows sorted by key, cost rounded to 12 places (float sums in a different order). */
export function comparable(m: Map<string, RollupRow>): RollupRow[] {
  return [...m.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((r) => ({ ...r, costUsd: Math.round(r.costUsd * 1e12) / 1e12 }));
}
