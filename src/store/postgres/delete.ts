// Deleting traces on PostgreSQL (DELETE /api/v1/traces/:id, a user's data, the retention purge):
// one small batch per transaction. The traces are locked FOR UPDATE in num order, as the write
// path locks them (write.ts lockTraces), so a delete and a write of the same trace take turns and
// never deadlock on each other; the session and user rollups lose what the traces contributed
// (rollups.ts removeRollups). Metrics are computed from the tables here, so they are right as
// soon as the rows are gone. Plain batched deletes: partitions are not needed at today's sizes.
import type pg from 'pg';
import type { DeleteCounts, TraceSelection } from '../store.js';
import { storable } from './dialect.js';
import { inDurableTransaction } from './transaction.js';
import { removeRollups } from './rollups.js';


/** The candidates, oldest first for a time cut (traces_by_start), found before any lock is taken. */
function candidates(client: pg.PoolClient, projectId: number, select: TraceSelection, limit: number): Promise<pg.QueryResult<{ num: number }>> {
  if ('ids' in select) return client.query('SELECT num FROM traces WHERE project_id = $1 AND id = ANY($2::text[]) LIMIT $3', [projectId, select.ids, limit]);
  if ('userId' in select) return client.query('SELECT num FROM traces WHERE project_id = $1 AND user_id = $2 ORDER BY start_time LIMIT $3', [projectId, select.userId, limit]);
  return client.query('SELECT num FROM traces WHERE project_id = $1 AND start_time < $2 ORDER BY start_time LIMIT $3', [projectId, select.startedBefore, limit]);
}

/** The selection's condition again, checked on the locked rows (a trace may have changed meanwhile). */
function recheck(select: TraceSelection): { sql: string; param: unknown } {
  if ('ids' in select) return { sql: 'id = ANY($2::text[])', param: select.ids };
  if ('userId' in select) return { sql: 'user_id = $2', param: select.userId };
  return { sql: 'start_time < $2', param: select.startedBefore };
}

export async function deleteTraces(pool: pg.Pool, projectId: number, given: TraceSelection, limit: number): Promise<DeleteCounts> {
  // ids as the write path stored them (storable: text PostgreSQL can hold)
  const select: TraceSelection = 'ids' in given ? { ids: given.ids.map(storable) } : 'userId' in given ? { userId: storable(given.userId) } : given;
  return inDurableTransaction(pool, (client) => apply(client, projectId, select, limit));
}

async function apply(client: pg.PoolClient, projectId: number, select: TraceSelection, limit: number): Promise<DeleteCounts> {
  const found = await candidates(client, projectId, select, limit);
  const counts: DeleteCounts = { traces: 0, spans: 0, scores: 0 };
  if (!found.rows.length) return counts;
  const cond = recheck(select);
  const locked = await client.query<{ num: number }>(`SELECT num FROM traces WHERE num = ANY($1::bigint[]) AND project_id = $3 AND ${cond.sql}
    ORDER BY num FOR UPDATE`, [found.rows.map((r) => r.num), cond.param, projectId]);
  const nums = locked.rows.map((r) => r.num);
  if (!nums.length) return counts;
  await removeRollups(client, nums, async () => {
    await client.query(`DELETE FROM span_ids x USING spans s WHERE s.trace_num = ANY($1::bigint[])
      AND x.project_id = s.project_id AND x.span_id = s.id AND x.trace_num = s.trace_num`, [nums]);
    counts.spans = (await client.query('DELETE FROM spans WHERE trace_num = ANY($1::bigint[])', [nums])).rowCount ?? 0;
    counts.scores = (await client.query('DELETE FROM scores WHERE trace_num = ANY($1::bigint[])', [nums])).rowCount ?? 0;
    await client.query('DELETE FROM trace_tags WHERE trace_num = ANY($1::bigint[])', [nums]);
    counts.traces = (await client.query('DELETE FROM traces WHERE num = ANY($1::bigint[])', [nums])).rowCount ?? 0;
  });
  return counts;
}
