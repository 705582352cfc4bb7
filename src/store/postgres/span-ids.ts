// The span id → trace lookup (migration 3), as SQLite's (migration 5): rows written only for
// batches flagged `indexSpanIds`, the first trace to claim a span id keeps it (INSERT OR IGNORE).
import type pg from 'pg';
import { pgJson } from './dialect.js';
import { select } from './read.js';

export interface SpanIdRow {
  project_id: number;
  span_id: string;
  trace_num: number;
}

/**
 * Inside the write transaction. Rows go in key order (ties in arrival order, so the first claim
 * wins as on SQLite): concurrent writers then wait on each other's keys in one order, not in a cycle.
 */
export async function indexSpanIds(client: pg.PoolClient, rows: SpanIdRow[]): Promise<void> {
  if (!rows.length) return;
  await client.query(`INSERT INTO span_ids (project_id, span_id, trace_num)
    SELECT r.project_id, r.span_id, r.trace_num
    FROM json_to_recordset($1::json) AS r(project_id bigint, span_id text, trace_num bigint, ord integer)
    ORDER BY r.project_id, r.span_id COLLATE "C", r.ord
    ON CONFLICT (project_id, span_id) DO NOTHING`, [pgJson(rows.map((r, ord) => ({ ...r, ord })))]);
}

export async function findSpanTraceId(db: pg.Pool, projectId: number, spanId: string): Promise<string | null> {
  const [row] = await select<{ id: string }>(db, 'SELECT t.id FROM span_ids x JOIN traces t ON t.num = x.trace_num WHERE x.project_id = ? AND x.span_id = ?', [projectId, spanId]);
  return row?.id ?? null;
}
