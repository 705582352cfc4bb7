// Export pages from PostgreSQL: the SQLite backend's queries (sqlite/export.ts), with rows shaped
// like SQLite's (JSON as text) so the one renderer (shared/export.ts) writes the same bytes for the same data.
// Every text order is by code point (COLLATE "C"), as SQLite's BINARY, whatever the database's.
import type pg from 'pg';
import type { ExportRecord } from '../../model/export.js';
import type { Page, PageRequest, TraceFilter } from '../../query/filter.js';
import { compileTraceFilter, keyset } from '../../query/sql.js';
import { encodeCursor } from '../../query/cursor.js';
import { scoreOut, spanOut, traceOut, type ExportTraceRow } from '../shared/export.js';
import { plainJson, type ScoreRow, type SpanRow } from '../shared/rows.js';
import { postgresDialect } from './dialect.js';
import { select } from './read.js';
import { SCORE_COLUMNS, SPAN_COLUMNS } from './rows.js';

function byNum<R extends { trace_num: number }>(list: R[]): Map<number, R[]> {
  const m = new Map<number, R[]>();
  for (const r of list) {
    const arr = m.get(r.trace_num);
    if (arr) arr.push(r);
    else m.set(r.trace_num, [r]);
  }
  return m;
}

export async function exportPage(db: pg.Pool, projectId: number, filter: TraceFilter, page: PageRequest): Promise<Page<ExportRecord>> {
  const { where, params } = compileTraceFilter(postgresDialect, projectId, filter);
  const ks = keyset('t.start_time', 't.num', page.order, page.cursor);
  if (ks.clause) where.push(ks.clause);
  const rows = await select<ExportTraceRow>(db, `SELECT t.num, t.id, t.external_id, t.name, t.given_status, t.given_start, t.given_end,
      t.start_time, t.span_count, t.input, t.output, t.user_id, t.session_id, t.environment, t.release, t.metadata::text AS metadata, t.test_id
    FROM traces t WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`, [...params, ...ks.params, page.limit + 1]);
  const more = rows.length > page.limit;
  if (more) rows.pop();
  if (rows.length === 0) return { data: [], nextCursor: null };
  const nums = rows.map((r) => r.num);
  // Spans and scores in an order that does not depend on arrival, as SQLite's export.
  const [tags, spans, scores] = await Promise.all([
    db.query<{ trace_num: number; tag: string }>('SELECT trace_num, tag FROM trace_tags WHERE trace_num = ANY($1::bigint[]) ORDER BY trace_num, tag COLLATE "C"', [nums]),
    db.query<SpanRow & { trace_num: number }>(`SELECT s.trace_num, ${SPAN_COLUMNS} FROM spans s JOIN traces t ON t.num = s.trace_num
      WHERE s.trace_num = ANY($1::bigint[]) ORDER BY s.trace_num, s.start_time, s.id COLLATE "C"`, [nums]),
    db.query<ScoreRow & { trace_num: number }>(`SELECT ${SCORE_COLUMNS}, t.id AS trace_id FROM scores sc JOIN traces t ON t.num = sc.trace_num
      WHERE sc.trace_num = ANY($1::bigint[]) ORDER BY sc.trace_num, sc.created_at, sc.id COLLATE "C"`, [nums]),
  ]);
  const tagsOf = byNum(tags.rows);
  const spansOf = byNum(spans.rows);
  const scoresOf = byNum(scores.rows);
  const data = rows.map((r): ExportRecord => ({
    trace: traceOut(r, (tagsOf.get(r.num) ?? []).map((x) => x.tag)),
    spans: (spansOf.get(r.num) ?? []).map((x) => spanOut(x, plainJson)),
    scores: (scoresOf.get(r.num) ?? []).map(scoreOut),
  }));
  const last = rows[rows.length - 1];
  return { data, nextCursor: more ? encodeCursor({ t: last.start_time, k: last.num }) : null };
}
