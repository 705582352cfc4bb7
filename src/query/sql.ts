// Filters compiled to parameterised SQL. What differs between SQLite and PostgreSQL lives in a
// Dialect (a few small helpers); the clauses themselves are written once. User input only ever
// travels as bound parameters.
import type { SpanFilter, TraceFilter, Order } from './filter.js';
import { decodeCursor } from './cursor.js';

export interface Dialect {
  /** Case-insensitive substring match of column against a bound pattern. */
  contains(column: string): string;
  /** The text of metadata key `key` (bound as a JSON path or key) in a JSON column. */
  jsonText(column: string): string;
  /** Parameter to bind for jsonText's key. */
  jsonKey(key: string): string;
  /** Clause matching trace nums (alias t) against a full-text query bound as one parameter. */
  fullText(traceNumExpr: string): string;
  /** Turns free text into the engine's full-text query syntax. */
  fullTextQuery(q: string): string;
}

export interface Compiled {
  where: string[];
  params: unknown[];
}

function escapeLike(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Clauses over the traces table aliased `t`. */
export function compileTraceFilter(d: Dialect, projectId: number, f: TraceFilter): Compiled {
  const where = ['t.project_id = ?'];
  const params: unknown[] = [projectId];
  const add = (clause: string, ...p: unknown[]) => {
    where.push(clause);
    params.push(...p);
  };
  if (f.from !== undefined) add('t.start_time >= ?', f.from);
  if (f.to !== undefined) add('t.start_time < ?', f.to);
  if (f.status?.length) add(`t.status IN (${f.status.map(() => '?').join(', ')})`, ...f.status);
  if (f.name !== undefined) add(d.contains('t.name'), escapeLike(f.name));
  if (f.externalId !== undefined) add('t.external_id = ?', f.externalId);
  if (f.userId !== undefined) add('t.user_id = ?', f.userId);
  if (f.sessionId !== undefined) add('t.session_id = ?', f.sessionId);
  if (f.environment !== undefined) add('t.environment = ?', f.environment);
  for (const tag of f.tags ?? []) add('EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_num = t.num AND g.tag = ?)', tag);
  if (f.model !== undefined) add('EXISTS (SELECT 1 FROM spans m WHERE m.trace_num = t.num AND m.model = ?)', f.model);
  if (f.kind !== undefined) add('EXISTS (SELECT 1 FROM spans k WHERE k.trace_num = t.num AND k.kind = ?)', f.kind);
  if (f.minDurationMs !== undefined) add('t.duration_ms >= ?', f.minDurationMs);
  if (f.maxDurationMs !== undefined) add('t.duration_ms <= ?', f.maxDurationMs);
  if (f.q !== undefined) add(d.fullText('t.num'), d.fullTextQuery(f.q));
  for (const [k, v] of Object.entries(f.metadata ?? {})) add(`${d.jsonText('t.metadata')} = ?`, d.jsonKey(k), v);
  return { where, params };
}

/** Clauses over spans aliased `s` joined to their trace `t`. */
export function compileSpanFilter(d: Dialect, projectId: number, f: SpanFilter): Compiled {
  const where = ['s.project_id = ?'];
  const params: unknown[] = [projectId];
  const add = (clause: string, ...p: unknown[]) => {
    where.push(clause);
    params.push(...p);
  };
  if (f.from !== undefined) add('s.start_time >= ?', f.from);
  if (f.to !== undefined) add('s.start_time < ?', f.to);
  if (f.status?.length) {
    const named = f.status.filter((x) => x !== 'unset');
    const parts = named.length ? [`s.status IN (${named.map(() => '?').join(', ')})`] : [];
    if (f.status.includes('unset')) parts.push('s.status IS NULL');
    add(`(${parts.join(' OR ')})`, ...named);
  }
  if (f.name !== undefined) add(d.contains('s.name'), escapeLike(f.name));
  if (f.traceId !== undefined) add('t.id = ?', f.traceId);
  if (f.externalId !== undefined) add('t.external_id = ?', f.externalId);
  if (f.userId !== undefined) add('t.user_id = ?', f.userId);
  if (f.sessionId !== undefined) add('t.session_id = ?', f.sessionId);
  if (f.environment !== undefined) add('t.environment = ?', f.environment);
  for (const tag of f.tags ?? []) add('EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_num = t.num AND g.tag = ?)', tag);
  if (f.model !== undefined) add('s.model = ?', f.model);
  if (f.kind !== undefined) add(f.kind === 'span' ? "(s.kind = ? OR s.kind IS NULL)" : 's.kind = ?', f.kind);
  if (f.minDurationMs !== undefined) add('s.duration_ms >= ?', f.minDurationMs);
  if (f.maxDurationMs !== undefined) add('s.duration_ms <= ?', f.maxDurationMs);
  for (const [k, v] of Object.entries(f.metadata ?? {})) add(`${d.jsonText('s.metadata')} = ?`, d.jsonKey(k), v);
  return { where, params };
}

/** Keyset pagination over (time, key) in the given order. */
export function keyset(timeCol: string, keyCol: string, order: Order, cursor: string | undefined): { clause?: string; params: unknown[]; orderBy: string } {
  const dir = order === 'asc' ? 'ASC' : 'DESC';
  const orderBy = `${timeCol} ${dir}, ${keyCol} ${dir}`;
  if (!cursor) return { params: [], orderBy };
  const c = decodeCursor(cursor);
  const op = order === 'asc' ? '>' : '<';
  return { clause: `(${timeCol}, ${keyCol}) ${op} (?, ?)`, params: [c.t, c.k], orderBy };
}
