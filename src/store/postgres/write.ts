// The PostgreSQL write path: one group of batches in one transaction on one client, with the
// SQLite backend's merge semantics (sqlite/write.ts). Many servers may write to one database, so
// trace rows are created race-free (INSERT … ON CONFLICT DO NOTHING, in key order) and then
// locked FOR UPDATE in num order before anything of theirs is written: writers touching the same
// trace take turns, the rollups they recompute inside the transaction see every committed span,
// and the consistent lock order keeps deadlocks away (one that happens anyway is retried). Last,
// session and user rollups take the touched traces' changes as deltas (rollups.ts).
import type pg from 'pg';
import type { ScoreUpsert, SpanUpsert, TraceUpsert } from '../../model/batch.js';
import type { WriteItem } from '../store.js';
import { searchText } from '../shared/json.js';
import { SEARCH_TEXT_MAX, TS_CONFIG, jsonMap, jsonText, pgJson, storable } from './dialect.js';
import { inDurableTransaction } from './transaction.js';
import { applyRollups } from './rollups.js';
import { indexSpanIds, type SpanIdRow } from './span-ids.js';
import { WRITTEN_SPAN_COLUMNS, sourceExpr, type SpanColumnSpec, type SpanSource } from '../shared/span-columns.js';
import { ROLLUP_SQL, SCORE_UPSERT_SQL, SPAN_INSERT_SQL, SPAN_UPDATE_SQL, TRACE_UPDATE_SQL } from './write-sql.js';


export class PostgresWritePath {
  constructor(private readonly pool: pg.Pool) {}

  /** Writes the group in one transaction, durable at COMMIT; throws (all rolled back) on failure. */
  async writeGroup(items: WriteItem[]): Promise<void> {
    await inDurableTransaction(this.pool, (client) => apply(client, items));
  }

}

interface TraceKey {
  projectId: number;
  id: string;
  startTime: number;
  createdAt: number;
}

const keyOf = (projectId: number, traceId: string) => `${projectId}:${traceId}`;

async function apply(client: pg.PoolClient, items: WriteItem[]): Promise<void> {
  const nums = await lockTraces(client, items);
  const numOf = (projectId: number, traceId: string) => nums.get(keyOf(projectId, traceId)) as number;
  const touched = new Set<number>();
  const searchable = new Set<number>();
  const tagged = new Set<number>();
  const traceRows: Array<Record<string, unknown>> = [];
  const tagRows: Array<Record<string, unknown>> = [];
  const spanRows: Array<Record<string, unknown>> = [];
  const scoreRows: Array<Record<string, unknown>> = [];
  const spanIds: SpanIdRow[] = [];

  for (const { projectId, batch, receivedAt } of items) {
    for (const t of batch.traces) {
      const num = numOf(projectId, t.id);
      traceRows.push(traceRow(num, t));
      touched.add(num);
      if (t.name !== undefined || t.input !== undefined || t.output !== undefined) searchable.add(num);
      for (const tag of t.tags ?? []) tagRows.push({ trace_num: num, project_id: projectId, tag });
      if (t.tags?.length) tagged.add(num);
    }
    for (const s of batch.spans) {
      const num = numOf(projectId, s.traceId);
      spanRows.push(spanRow(num, projectId, receivedAt, s));
      if (batch.indexSpanIds) spanIds.push({ project_id: projectId, span_id: s.id, trace_num: num });
      touched.add(num);
    }
    for (const sc of batch.scores) scoreRows.push(scoreRow(numOf(projectId, sc.traceId), projectId, sc));
  }

  // A key may appear several times in a group (a span's start and end parts): each round holds
  // at most one part per key, and rounds apply in arrival order.
  for (const round of rounds(traceRows, (r) => String(r.num))) await client.query(TRACE_UPDATE_SQL, [pgJson(round)]);
  if (tagRows.length) {
    await client.query(`INSERT INTO trace_tags (trace_num, project_id, tag)
      SELECT r.trace_num, r.project_id, r.tag FROM json_to_recordset($1::json) AS r(trace_num bigint, project_id bigint, tag text)
      ON CONFLICT DO NOTHING`, [pgJson(tagRows)]);
  }
  for (const round of rounds(spanRows, (r) => `${r.trace_num}:${r.id}`)) {
    const json = pgJson(round);
    await client.query(SPAN_UPDATE_SQL, [json]);
    await client.query(SPAN_INSERT_SQL, [json]);
  }
  await indexSpanIds(client, spanIds);
  for (const round of rounds(scoreRows, (r) => `${r.project_id}:${r.id}`)) await client.query(SCORE_UPSERT_SQL, [pgJson(round)]);

  if (tagged.size) {
    await client.query(`UPDATE traces t SET tags = ARRAY(SELECT g.tag FROM trace_tags g WHERE g.trace_num = t.num ORDER BY g.tag COLLATE "C")
      WHERE t.num = ANY($1::bigint[])`, [[...tagged]]);
  }
  if (touched.size) await client.query(ROLLUP_SQL, [[...touched]]);
  // sessions and users follow their traces (and scores their trace's user), in the same transaction
  await applyRollups(client, [...touched], scoreRows.map((r) => ({ p: r.project_id as number, id: r.id as string })));
  if (searchable.size) await refreshSearch(client, [...searchable]);
}

/** Finds or creates the row of every trace the group names, and locks them all in num order. */
async function lockTraces(client: pg.PoolClient, items: WriteItem[]): Promise<Map<string, number>> {
  const keys = new Map<string, TraceKey>();
  const note = (projectId: number, id: string, startTime: number | undefined, receivedAt: number) => {
    const k = keyOf(projectId, id);
    if (!keys.has(k)) keys.set(k, { projectId, id: storable(id), startTime: startTime ?? receivedAt, createdAt: receivedAt });
  };
  for (const { projectId, batch, receivedAt } of items) {
    for (const t of batch.traces) note(projectId, t.id, t.startTime, receivedAt);
    for (const s of batch.spans) note(projectId, s.traceId, s.startTime, receivedAt);
    for (const sc of batch.scores) note(projectId, sc.traceId, sc.createdAt, receivedAt);
  }
  const rows = pgJson([...keys.values()].map((k, ord) => ({ project_id: k.projectId, id: k.id, start_time: k.startTime, created_at: k.createdAt, ord })));
  // Key order for inserts and num order for locks: every writer takes locks in the same order.
  // New traces are numbered in the order the group first names them, as SQLite numbers them, so
  // ties in start time list (and export) in the same order on both; only new keys take a number.
  await client.query(`WITH fresh AS (
      SELECT r.* FROM json_to_recordset($1::json) AS r(project_id bigint, id text, start_time bigint, created_at bigint, ord integer)
      WHERE NOT EXISTS (SELECT 1 FROM traces t WHERE t.project_id = r.project_id AND t.id = r.id)),
    numbered AS (SELECT f.*, nextval(pg_get_serial_sequence('traces', 'num')) AS num FROM (SELECT * FROM fresh ORDER BY ord) f)
    INSERT INTO traces (num, project_id, id, start_time, created_at) OVERRIDING SYSTEM VALUE
    SELECT n.num, n.project_id, n.id, n.start_time, n.created_at FROM numbered n
    ORDER BY n.project_id, n.id COLLATE "C"
    ON CONFLICT (project_id, id) DO NOTHING`, [rows]);
  const locked = await client.query<{ num: number; project_id: number; id: string }>(`SELECT t.num, t.project_id, t.id
    FROM traces t JOIN json_to_recordset($1::json) AS r(project_id bigint, id text) ON t.project_id = r.project_id AND t.id = r.id
    ORDER BY t.num FOR UPDATE OF t`, [rows]);
  const nums = new Map<string, number>();
  const byStored = new Map(locked.rows.map((r) => [keyOf(r.project_id, r.id), r.num]));
  for (const [k, key] of keys) {
    const num = byStored.get(keyOf(key.projectId, key.id));
    // Deleted (delete.ts) between the insert and the lock: the group runs again and makes it anew
    // (the code of a serialization failure makes writeGroup retry it).
    if (num === undefined) throw Object.assign(new Error(`trace ${key.id} was deleted while its batch was written`), { code: '40001' });
    nums.set(k, num);
  }
  return nums;
}

async function refreshSearch(client: pg.PoolClient, nums: number[]): Promise<void> {
  const res = await client.query<{ num: number; name: string | null; input: string | null; output: string | null }>(
    'SELECT num, name, input, output FROM traces WHERE num = ANY($1::bigint[])', [nums]);
  const cap = (s: string) => (s.length > SEARCH_TEXT_MAX ? s.slice(0, SEARCH_TEXT_MAX) : s);
  const docs = res.rows.map((r) => ({ num: r.num, doc: [r.name ?? '', searchText(r.input), searchText(r.output)].map(cap).join('\n') }));
  await client.query(`UPDATE traces t SET search = to_tsvector('${TS_CONFIG}', r.doc)
    FROM json_to_recordset($1::json) AS r(num bigint, doc text) WHERE t.num = r.num`, [pgJson(docs)]);
}

/** Splits rows into rounds with at most one row per key, keeping each key's parts in order. */
export function rounds<T>(rows: T[], key: (r: T) => string): T[][] {
  const out: T[][] = [];
  const seen = new Map<string, number>();
  for (const r of rows) {
    const k = key(r);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (out[n] ??= []).push(r);
  }
  return out;
}

// Rows for json_to_recordset: undefined fields are left out (NULL: "not said").

function traceRow(num: number, t: TraceUpsert): Record<string, unknown> {
  return {
    num,
    external_id: t.externalId,
    name: t.name,
    status: t.status,
    start_time: t.startTime,
    end_time: t.endTime,
    duration_us: t.durationMs === undefined ? undefined : Math.round(t.durationMs * 1000),
    input: jsonText(t.input) ?? undefined,
    output: jsonText(t.output) ?? undefined,
    user_id: t.userId,
    session_id: t.sessionId,
    environment: t.environment,
    release: t.release,
    metadata: jsonMap(t.metadata) ?? undefined,
    test_id: t.testId,
  };
}

/** A JS expression for a column's value in a write's row (PostgreSQL: undefined is "not said"), from sourceExpr. */
function pgValue(c: SpanColumnSpec & { from: SpanSource }): string {
  const v = sourceExpr(c.from);
  switch (c.as ?? 'value') {
    case 'status':
      return `${v} === 'unset' ? undefined : ${v}`;
    case 'json':
      return `jsonText(${v}) ?? undefined`;
    case 'map':
      return `jsonMap(${v}) ?? undefined`;
    case 'list':
      return `${v}?.length ? JSON.stringify(${v}) : undefined`;
    default:
      return c.merge === 'key' ? v : `${v} ?? undefined`;
  }
}

/**
 * A span's row for json_to_recordset (write-sql.ts SPAN_FIELDS): the written columns (span-columns.ts)
 * and when the write arrived. Generated as one object literal, as it was written out by hand.
 */
const spanRow = new Function('jsonText', 'jsonMap', `return function spanRow(traceNum, projectId, receivedAt, s) {
  const u = s.usage;
  return { ${WRITTEN_SPAN_COLUMNS.map((c) => `${c.name}: ${pgValue(c)}${c.name === 'project_id' ? ', received_at: receivedAt' : ''}`).join(', ')} };
};`)(jsonText, jsonMap) as (traceNum: number, projectId: number, receivedAt: number, s: SpanUpsert) => Record<string, unknown>;

function scoreRow(traceNum: number, projectId: number, s: ScoreUpsert): Record<string, unknown> {
  const v = s.value;
  return {
    project_id: projectId,
    id: s.id,
    trace_num: traceNum,
    span_id: s.spanId,
    name: s.name,
    value_type: typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string',
    num_value: typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : undefined,
    str_value: typeof v === 'string' ? v : undefined,
    comment: s.comment,
    source: s.source,
    created_at: s.createdAt,
  };
}
