// Export pages from SQLite: traces in keyset order with their spans, scores and tags fetched for
// the whole page at once (three queries a page, never one a trace), rendered in the export format
// (shared/export.ts).
import type Database from 'better-sqlite3';
import type { ExportRecord } from '../../model/export.js';
import type { Page, PageRequest, TraceFilter } from '../../query/filter.js';
import { compileTraceFilter, keyset, type Dialect } from '../../query/sql.js';
import { encodeCursor } from '../../query/cursor.js';
import { scoreOut, spanOut, traceOut, type ExportTraceRow } from '../shared/export.js';
import type { ScoreRow, SpanRow } from '../shared/rows.js';
import { BlobReader } from './blobs.js';
import { READ_SPAN_COLUMNS } from '../shared/span-columns.js';

/** SpanRow's columns as stored (the JSON body columns as they are: BlobReader resolves them), with the row's own key. */
const EXPORT_SPAN_COLUMNS = ['s.rowid', 't.id AS trace_id', ...READ_SPAN_COLUMNS.map((c) => `s.${c.name}`)].join(', ');

export function exportPage(db: Database.Database, d: Dialect, projectId: number, filter: TraceFilter, page: PageRequest): Page<ExportRecord> {
  const blobs = new BlobReader(db);
  const { where, params } = compileTraceFilter(d, projectId, filter);
  const ks = keyset('t.start_time', 't.num', page.order, page.cursor);
  if (ks.clause) where.push(ks.clause);
  const rows = db.prepare(`SELECT t.num, t.id, t.external_id, t.name, t.given_status, t.given_start, t.given_end, t.start_time,
      t.span_count, t.input, t.output, t.user_id, t.session_id, t.environment, t.release, t.metadata, t.test_id
    FROM traces t WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`).all(...params, ...ks.params, page.limit + 1) as ExportTraceRow[];
  const more = rows.length > page.limit;
  if (more) rows.pop();
  if (rows.length === 0) return { data: [], nextCursor: null };
  const nums = rows.map((r) => r.num);
  const inList = nums.map(() => '?').join(', ');
  const byNum = <R>(list: R[], num: (r: R) => number) => {
    const m = new Map<number, R[]>();
    for (const r of list) {
      const k = num(r);
      const arr = m.get(k);
      if (arr) arr.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const tags = byNum(db.prepare(`SELECT trace_num, tag FROM trace_tags WHERE trace_num IN (${inList}) ORDER BY trace_num, tag`).all(...nums) as { trace_num: number; tag: string }[], (r) => r.trace_num);
  // Spans and scores in an order that does not depend on arrival (rowid), so two stores holding
  // the same data export the same bytes.
  const spans = byNum(db.prepare(`SELECT s.trace_num, ${EXPORT_SPAN_COLUMNS} FROM spans s JOIN traces t ON t.num = s.trace_num
    WHERE s.trace_num IN (${inList}) ORDER BY s.trace_num, s.start_time, s.id`).all(...nums) as (SpanRow & { trace_num: number })[], (r) => r.trace_num);
  const scores = byNum(db.prepare(`SELECT sc.*, t.id AS trace_id FROM scores sc JOIN traces t ON t.num = sc.trace_num
    WHERE sc.trace_num IN (${inList}) ORDER BY sc.trace_num, sc.created_at, sc.id`).all(...nums) as (ScoreRow & { trace_num: number })[], (r) => r.trace_num);
  const data = rows.map((r): ExportRecord => ({
    trace: traceOut(r, (tags.get(r.num) ?? []).map((x) => x.tag)),
    spans: (spans.get(r.num) ?? []).map((x) => spanOut(x, blobs)),
    scores: (scores.get(r.num) ?? []).map(scoreOut),
  }));
  const last = rows[rows.length - 1];
  return { data, nextCursor: more ? encodeCursor({ t: last.start_time, k: last.num }) : null };
}
