// Filters compiled to parameterised SQL. What differs between SQLite and PostgreSQL lives in a
// Dialect (a few small helpers); the clauses themselves are written once. User input only ever
// travels as bound parameters.
import type { SpanFilter, TraceFilter, Order, ScoreCondition, SessionFilter, UserFilter, ScoreFilter } from './filter.js';
import { decodeCursor } from './cursor.js';
import type { CmpOp, FilterExpr, Literal } from './expr.js';
import { FIELDS, KEYED, SCORE_VALUE_FIELD, type FilterTarget } from './fields.js';

export interface Dialect {
  /** Case-insensitive substring match of column against a bound pattern. */
  contains(column: string): string;
  /** The text of metadata key `key` (bound as a JSON path or key) in a JSON column. */
  jsonText(column: string): string;
  /** The number at key `key` of a JSON column, NULL when absent or not a number (one placeholder, bound to jsonKey). */
  jsonNumber(column: string): string;
  /** Parameter to bind for jsonText's key. */
  jsonKey(key: string): string;
  /**
   * The placeholder for a number compared with a column: engines that type a parameter by its
   * column (PostgreSQL) must be told that 1.5 compared with an integer column is not an integer.
   */
  numberParam(value: number): string;
  /** A span's input/output column as plain JSON text (SQLite keeps long strings content-addressed). */
  spanJson(column: string): string;
  /** Clause matching trace nums (alias t) against a full-text query bound as one parameter. */
  fullText(traceNumExpr: string): string;
  /** Turns free text into the engine's full-text query syntax. */
  fullTextQuery(q: string): string;
  /** The column compared byte by byte (a locale's collation orders `gpt-4o-` and `gpt-4o.` its own way). */
  bytewise(column: string): string;
}

export interface Compiled {
  where: string[];
  params: unknown[];
}

function escapeLike(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A model filter as a family match: the name itself, or its dated snapshots, i.e. the name
 * followed by a separator and a digit (`gpt-4o-mini` finds `gpt-4o-mini-2024-07-18`,
 * `claude-3-5-sonnet` finds `claude-3-5-sonnet@20241022`). Unlike the price table
 * (src/cost/match.ts), where the most specific pattern wins, a filter has no rival patterns, so
 * `gpt-4o` must not find `gpt-4o-mini`: hence the digit. Each separator is one range on the
 * column, so the model indexes serve it. An exact match stays available as `filter=model = "…"`.
 */
export function modelFamily(column: string, model: string, bytewise: (c: string) => string = (c) => c): { sql: string; params: string[] } {
  // '0'…'9' and then ':', the character after '9'
  const ranges = SNAPSHOT_SEPARATORS.map((sep) => [`${model}${sep}0`, `${model}${sep}:`]);
  const b = bytewise(column);
  return {
    sql: `(${column} = ?${ranges.map(() => ` OR (${b} >= ? AND ${b} < ?)`).join('')})`,
    params: [model, ...ranges.flat()],
  };
}

const SNAPSHOT_SEPARATORS = ['-', '@', ':', '_'];

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
  if (f.model !== undefined) {
    const family = modelFamily('m.model', f.model, d.bytewise);
    add(`EXISTS (SELECT 1 FROM spans m WHERE m.trace_num = t.num AND ${family.sql})`, ...family.params);
  }
  if (f.kind !== undefined) add('EXISTS (SELECT 1 FROM spans k WHERE k.trace_num = t.num AND k.kind = ?)', f.kind);
  if (f.minDurationMs !== undefined) add('t.duration_ms >= ?', f.minDurationMs);
  if (f.maxDurationMs !== undefined) add('t.duration_ms <= ?', f.maxDurationMs);
  if (f.q !== undefined) add(d.fullText('t.num'), d.fullTextQuery(f.q));
  for (const [k, v] of Object.entries(f.metadata ?? {})) add(`${d.jsonText('t.metadata')} = ?`, d.jsonKey(k), v);
  addExtras(d, 'trace', f, add);
  return { where, params };
}

/** score.NAME conditions and the filter= expression, which every target compiles the same way. */
function addExtras(d: Dialect, target: 'trace' | 'span', f: TraceFilter | SpanFilter, add: (clause: string, ...p: unknown[]) => void): void {
  for (const c of f.scores ?? []) {
    const part = compileScoreCondition(d, KEYED[target].score as string, c);
    add(part.sql, ...part.params);
  }
  if (f.expr) {
    const part = compileExpr(d, target, f.expr);
    add(part.sql, ...part.params);
  }
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
  if (f.model !== undefined) {
    const family = modelFamily('s.model', f.model, d.bytewise);
    add(family.sql, ...family.params);
  }
  if (f.kind !== undefined) add(f.kind === 'span' ? "(s.kind = ? OR s.kind IS NULL)" : 's.kind = ?', f.kind);
  if (f.minDurationMs !== undefined) add('s.duration_ms >= ?', f.minDurationMs);
  if (f.maxDurationMs !== undefined) add('s.duration_ms <= ?', f.maxDurationMs);
  for (const [k, v] of Object.entries(f.metadata ?? {})) add(`${d.jsonText('s.metadata')} = ?`, d.jsonKey(k), v);
  addExtras(d, 'span', f, add);
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

// ---- filter expressions and score conditions ------------------------------------------------

export interface SqlPart {
  sql: string;
  params: unknown[];
}

const SQL_OPS: Record<Exclude<CmpOp, 'contains' | 'in'>, string> = { '=': '=', '!=': '<>', '>': '>', '>=': '>=', '<': '<', '<=': '<=' };

/** `column op value` for one literal or an `in` list; != counts an absent value as different. */
function compare(d: Dialect, col: SqlPart, cmp: CmpOp, value: Literal | Literal[]): SqlPart {
  const ph = (v: Literal) => (typeof v === 'number' ? d.numberParam(v) : '?');
  if (cmp === 'in') {
    const vals = value as Literal[];
    return { sql: `${col.sql} IN (${vals.map(ph).join(', ')})`, params: [...col.params, ...vals] };
  }
  if (cmp === 'contains') return { sql: d.contains(col.sql), params: [...col.params, escapeLike(value as string)] };
  if (value === null) return { sql: `${col.sql} ${cmp === '=' ? 'IS NULL' : 'IS NOT NULL'}`, params: col.params };
  if (cmp === '!=') return { sql: `(${col.sql} IS NULL OR ${col.sql} <> ${ph(value as Literal)})`, params: [...col.params, ...col.params, value] };
  return { sql: `${col.sql} ${SQL_OPS[cmp]} ${ph(value as Literal)}`, params: [...col.params, value] };
}

/** A comparison on a score's value (alias sc), typed by the literal: strings, numbers or booleans. */
function scoreValue(d: Dialect, cmp: CmpOp, value: Literal | Literal[]): SqlPart {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return and([{ sql: "sc.value_type = 'string'", params: [] }, compare(d, { sql: 'sc.str_value', params: [] }, cmp, value)]);
  const asNum = (v: Literal) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
  const type = typeof first === 'boolean' ? 'boolean' : 'number';
  return and([{ sql: `sc.value_type = '${type}'`, params: [] }, compare(d, { sql: 'sc.num_value', params: [] }, cmp, Array.isArray(value) ? value.map(asNum) : asNum(value))]);
}

function and(parts: SqlPart[]): SqlPart {
  return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
}

/** Some score named `name` tied to the row by `link` satisfies the comparison. */
function scoreExists(link: string, name: string, cond: SqlPart): SqlPart {
  return { sql: `EXISTS (SELECT 1 FROM scores sc WHERE ${link} AND sc.name = ? AND ${cond.sql})`, params: [name, ...cond.params] };
}

/**
 * A query-string score condition (`score.NAME=VALUE`, `score.NAME>=N`). The value arrives as
 * text: = and != match a categorical value equal to it, or a number or boolean it spells.
 */
export function compileScoreCondition(d: Dialect, link: string, c: ScoreCondition): SqlPart {
  if (c.op !== '=' && c.op !== '!=') return scoreExists(link, c.name, scoreValue(d, c.op, Number(c.value)));
  const alts: SqlPart[] = [scoreValue(d, c.op, c.value)];
  const n = Number(c.value);
  if (c.value.trim() !== '' && Number.isFinite(n)) alts.push(scoreValue(d, c.op, n));
  if (c.value === 'true' || c.value === 'false') alts.push(scoreValue(d, c.op, c.value === 'true'));
  return scoreExists(link, c.name, { sql: `(${alts.map((a) => `(${a.sql})`).join(' OR ')})`, params: alts.flatMap((a) => a.params) });
}

/** Compiles a validated expression (fields.ts) for a target into one parameterised clause. */
export function compileExpr(d: Dialect, target: FilterTarget, e: FilterExpr): SqlPart {
  if (e.op === 'and' || e.op === 'or') {
    const parts = e.items.map((x) => compileExpr(d, target, x));
    return { sql: `(${parts.map((p) => p.sql).join(e.op === 'and' ? ' AND ' : ' OR ')})`, params: parts.flatMap((p) => p.params) };
  }
  if (e.op === 'not') {
    // IS NOT TRUE: a row where the inner test is unknown (an absent value) counts as not matching it
    const inner = compileExpr(d, target, e.item);
    return { sql: `((${inner.sql}) IS NOT TRUE)`, params: inner.params };
  }
  const keyed = KEYED[target];
  if (e.key !== undefined && e.field === 'metadata' && keyed.metadata) {
    const numeric = (Array.isArray(e.value) ? e.value : [e.value]).some((v) => typeof v === 'number');
    const col = { sql: numeric ? d.jsonNumber(keyed.metadata) : d.jsonText(keyed.metadata), params: [d.jsonKey(e.key)] };
    return compare(d, col, e.cmp, e.value);
  }
  if (e.key !== undefined && e.field === 'score' && keyed.score) return scoreExists(keyed.score, e.key, scoreValue(d, e.cmp, e.value));
  if (target === 'score' && e.field === SCORE_VALUE_FIELD) return scoreValue(d, e.cmp, e.value);
  const def = FIELDS[target][e.field];
  const cond = compare(d, { sql: def.spanJson ? d.spanJson(def.column) : def.column, params: [] }, e.cmp, e.value);
  return def.via ? { sql: def.via.replace('{}', cond.sql), params: cond.params } : cond;
}

// ---- sessions (alias se), users (u) and scores (sc joined to their trace t) -----------------

function collector(first: string, projectId: number) {
  const where = [first];
  const params: unknown[] = [projectId];
  const add = (clause: string, ...p: unknown[]) => {
    where.push(clause);
    params.push(...p);
  };
  const addPart = (part: SqlPart) => add(part.sql, ...part.params);
  return { where, params, add, addPart };
}

/** Sessions with at least one trace, active in [from, to). */
export function compileSessionFilter(d: Dialect, projectId: number, f: SessionFilter): Compiled {
  const c = collector('se.project_id = ?', projectId);
  c.add('se.trace_count > 0');
  if (f.from !== undefined) c.add('se.last_time >= ?', f.from);
  if (f.to !== undefined) c.add('se.first_time < ?', f.to);
  if (f.userId !== undefined) c.add('EXISTS (SELECT 1 FROM session_users su WHERE su.project_id = se.project_id AND su.session_id = se.id AND su.user_id = ?)', f.userId);
  if (f.expr) c.addPart(compileExpr(d, 'session', f.expr));
  return { where: c.where, params: c.params };
}

/** Users with at least one trace, seen in [from, to). */
export function compileUserFilter(d: Dialect, projectId: number, f: UserFilter): Compiled {
  const c = collector('u.project_id = ?', projectId);
  c.add('u.trace_count > 0');
  if (f.from !== undefined) c.add('u.last_seen >= ?', f.from);
  if (f.to !== undefined) c.add('u.first_seen < ?', f.to);
  if (f.sessionId !== undefined) c.add('EXISTS (SELECT 1 FROM session_users su WHERE su.project_id = u.project_id AND su.user_id = u.id AND su.session_id = ?)', f.sessionId);
  if (f.expr) c.addPart(compileExpr(d, 'user', f.expr));
  return { where: c.where, params: c.params };
}

export function compileScoreFilter(d: Dialect, projectId: number, f: ScoreFilter): Compiled {
  const c = collector('sc.project_id = ?', projectId);
  if (f.from !== undefined) c.add('sc.created_at >= ?', f.from);
  if (f.to !== undefined) c.add('sc.created_at < ?', f.to);
  if (f.traceId !== undefined) c.add('t.id = ?', f.traceId);
  if (f.spanId !== undefined) c.add('sc.span_id = ?', f.spanId);
  if (f.name !== undefined) c.add('sc.name = ?', f.name);
  if (f.source?.length) c.add(`sc.source IN (${f.source.map(() => '?').join(', ')})`, ...f.source);
  if (f.valueType?.length) c.add(`sc.value_type IN (${f.valueType.map(() => '?').join(', ')})`, ...f.valueType);
  if (f.userId !== undefined) c.add('t.user_id = ?', f.userId);
  if (f.sessionId !== undefined) c.add('t.session_id = ?', f.sessionId);
  if (f.expr) c.addPart(compileExpr(d, 'score', f.expr));
  return { where: c.where, params: c.params };
}
