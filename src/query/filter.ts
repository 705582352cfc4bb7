// The one filter shape every list, metrics and export endpoint takes, validated once at the edge
// and compiled per backend (src/query/sql.ts). The query-string form is parsed here.
import { z } from 'zod';
import { SpanKind, TraceStatus, SpanStatus, ScoreSource } from '../model/enums.js';
import { microsFromIso, microsFromMillis, type Micros } from '../model/time.js';
import { relativeMicros } from './relative-time.js';
import { didYouMean } from './suggest.js';
import { LIST_ROW_SCORE_CAP } from '../model/schemas.js';
import { LoupeError } from '../errors.js';
import type { FilterExpr } from './expr.js';
import { parseFilterExpression, type FilterTarget } from './fields.js';

export interface TraceFilter {
  from?: Micros;
  to?: Micros;
  status?: TraceStatus[];
  name?: string;
  externalId?: string;
  userId?: string;
  sessionId?: string;
  environment?: string;
  tags?: string[];
  model?: string;
  kind?: SpanKind;
  minDurationMs?: number;
  maxDurationMs?: number;
  q?: string;
  /** metadata.KEY=VALUE pairs, all of which must hold (values compared as text). */
  metadata?: Record<string, string>;
  /** score.NAME conditions from the query string; each must hold for some score on the trace (spans: on the span). */
  scores?: ScoreCondition[];
  /** The `filter=` expression, already validated against the target's fields (src/query/fields.ts). */
  expr?: FilterExpr;
}

/** `score.NAME=VALUE` (VALUE as text: categorical, or a number/boolean it spells) or `score.NAME>=N` (numeric). */
export interface ScoreCondition {
  name: string;
  op: '=' | '!=' | '>' | '>=' | '<' | '<=';
  value: string;
}

/** Span lists take the trace filters (about the span's trace where the field is a trace's) plus span status. */
export interface SpanFilter extends Omit<TraceFilter, 'status' | 'q'> {
  status?: SpanStatus[];
  traceId?: string;
}

export type Order = 'asc' | 'desc';

export interface PageRequest {
  limit: number;
  cursor?: string;
  order: Order;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

const csv = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

const Time = z.string().transform((s, ctx) => {
  const us = microsFromIso(s) ?? relativeMicros(s, microsFromMillis(Date.now()));
  if (us === undefined) {
    ctx.addIssue({ code: 'custom', message: `not an ISO 8601 time nor a relative one (-1h, now-7d, now): ${s}` });
    return z.NEVER;
  }
  return us;
});

const NonNeg = z.coerce.number().nonnegative();

/** C0 controls other than tab, line feed and carriage return (which are whitespace), and DEL. */
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const QueryFilter = z.object({
  from: Time.optional(),
  to: Time.optional(),
  name: z.string().min(1).optional(),
  externalId: z.string().min(1).optional(),
  userId: z.string().min(1).optional(),
  sessionId: z.string().min(1).optional(),
  environment: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  kind: SpanKind.optional(),
  minDurationMs: NonNeg.optional(),
  maxDurationMs: NonNeg.optional(),
  // Full text is words between whitespace: only whitespace is no search (an empty search box).
  // Control characters are refused: a NUL ended SQLite's FTS query text mid-string (a 500).
  q: z.string().max(500)
    .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters (NUL, escapes…)')
    .transform((s) => s.trim() || undefined)
    .optional(),
  traceId: z.string().min(1).optional(),
});

const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().min(1).optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
});

/** Query strings arrive as string | string[]; repeated keys (`tag`) keep every value. */
export type RawQuery = Record<string, string | string[] | undefined>;

/** Every list parameter, documented once: the parser accepts these and /openapi.json lists them. */
export const LIST_PARAMS: ReadonlyArray<{ name: string; description: string; type?: 'string' | 'integer' | 'number' }> = [
  { name: 'from', description: 'Start time at or after this ISO 8601 time, or a relative one: -1h, now-7d (units s, m, h, d, w)' },
  { name: 'to', description: 'Start time before this ISO 8601 time, or a relative one (now, -5m)' },
  { name: 'status', description: 'Status, or several comma-separated (traces: pending|success|error; spans: unset|ok|error)' },
  { name: 'name', description: 'Name contains this text (case-insensitive)' },
  { name: 'externalId', description: "The caller's own id for the trace" },
  { name: 'userId', description: 'Trace user id' },
  { name: 'sessionId', description: 'Trace session (conversation) id' },
  { name: 'environment', description: 'Trace environment (production, staging, …)' },
  { name: 'tag', description: 'Trace has this tag; repeat for several (all must match)' },
  { name: 'model', description: 'Model name or family: gpt-4o-mini also finds its dated snapshots such as gpt-4o-mini-2024-07-18 (exact: filter=model = "…"); traces: any span used it' },
  { name: 'kind', description: 'Span kind (traces: any span has it)' },
  { name: 'minDurationMs', description: 'Duration at least this many ms', type: 'number' },
  { name: 'maxDurationMs', description: 'Duration at most this many ms', type: 'number' },
  { name: 'q', description: 'Full text over trace name, input and output (traces only)' },
  { name: 'traceId', description: 'Spans of this trace (spans only)' },
  { name: 'metadata.KEY', description: 'Metadata key KEY equals the value (as text)' },
  { name: 'score.NAME', description: 'Some score NAME equals the value (score.NAME=VALUE); for numbers also score.NAME>=N, >N, <=N, <N, and != (docs/filters.md)' },
  { name: 'filter', description: 'A filter expression: kind = "llm" and durationMs > 1000 and score.thumbs = "down" (docs/filters.md)' },
  { name: 'limit', description: 'Page size, 1-1000 (default 50)', type: 'integer' },
  { name: 'cursor', description: 'nextCursor of the previous page' },
  { name: 'order', description: 'desc (newest first, default) or asc' },
  { name: 'include', description: `Trace list only: extras on each row, comma-separated or repeated: models (the distinct models of the trace's spans), scores (its newest scores, at most ${LIST_ROW_SCORE_CAP}) (docs/filters.md)` },
];

const KNOWN = new Set(LIST_PARAMS.map((p) => p.name));

function single(raw: RawQuery): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v[v.length - 1] : v;
  }
  return out;
}

function all(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function fail(issues: z.core.$ZodIssue[]): never {
  const first = issues[0];
  throw new LoupeError('invalid_query', `${first.path.join('.') || 'query'}: ${first.message}`, issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
}

const SCORE_KEY = /^score\.([\w.\-:]+?)(>=|<=|!=|>|<|!)?$/;
const SCORE_INLINE = /^score\.([\w.\-:]+?)(>=|<=|>|<)(-?\d+(?:\.\d+)?)$/;

/**
 * `score.NAME=V` arrives as key `score.NAME`; `score.NAME>=N` as key `score.NAME>` with value N;
 * `score.NAME>N` (no "=") as key `score.NAME>N` with an empty value. All land here.
 */
export function parseScoreParam(key: string, value: string): ScoreCondition | undefined {
  const inline = value === '' ? SCORE_INLINE.exec(key) : null;
  if (inline) return { name: inline[1], op: inline[2] as ScoreCondition['op'], value: inline[3] };
  const m = SCORE_KEY.exec(key);
  if (!m) return undefined;
  const op = (m[2] === undefined ? '=' : m[2] === '!' ? '!=' : m[2] === '>' ? '>=' : m[2] === '<' ? '<=' : m[2]) as ScoreCondition['op'];
  if (op !== '=' && op !== '!=' && !Number.isFinite(Number(value))) {
    throw new LoupeError('invalid_query', `score.${m[1]}: ${op} compares numeric scores; "${value}" is not a number`);
  }
  return { name: m[1], op, value };
}

function parseCommon(raw: RawQuery, extraKnown: Set<string>, target: FilterTarget = 'trace'): { base: z.infer<typeof QueryFilter>; page: PageRequest; tags: string[]; metadata: Record<string, string>; status: string[]; scores: ScoreCondition[]; expr?: FilterExpr } {
  const metadata: Record<string, string> = {};
  const scores: ScoreCondition[] = [];
  for (const key of Object.keys(raw)) {
    if (key.startsWith('score.')) {
      for (const v of all(raw[key])) {
        const c = parseScoreParam(key, v);
        if (!c) throw new LoupeError('invalid_query', `"${key}" is not a score filter; use score.NAME=VALUE or score.NAME>=N`);
        scores.push(c);
      }
    } else if (key.startsWith('metadata.')) {
      const field = key.slice('metadata.'.length);
      if (!/^[\w.\-]+$/.test(field)) throw new LoupeError('invalid_query', `metadata key "${field}" may only hold letters, digits, _ . -`);
      metadata[field] = single({ [key]: raw[key] })[key];
    } else if (key === 'include') {
      // Not a filter: it shapes the rows of GET /api/v1/traces, which takes it off first (parseTraceListQuery).
      throw new LoupeError('invalid_query', 'include applies to the trace list (GET /api/v1/traces) only');
    } else if (!KNOWN.has(key) && !extraKnown.has(key)) {
      throw new LoupeError('invalid_query', `unknown query parameter "${key}".${didYouMean(key, [...KNOWN, ...extraKnown])}`);
    }
  }
  const flat = single(raw);
  const base = QueryFilter.safeParse(flat);
  if (!base.success) fail(base.error.issues);
  const page = PageQuery.safeParse(flat);
  if (!page.success) fail(page.error.issues);
  const filterText = flat.filter;
  const expr = filterText !== undefined ? parseFilterExpression(filterText, target) : undefined;
  return { base: base.data, page: page.data, tags: all(raw.tag), metadata, status: all(raw.status).flatMap(csv), scores, expr };
}

function withoutUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

type Common = ReturnType<typeof parseCommon>;

/** The parts trace and span lists share, with status validated against the list's own statuses. */
function listFilter<S extends string>(c: Common, statuses: z.ZodType<S[]>) {
  const st = statuses.safeParse(c.status);
  if (!st.success) fail(st.error.issues.map((i) => ({ ...i, path: ['status'] })));
  return {
    status: st.data.length ? st.data : undefined,
    tags: c.tags.length ? c.tags : undefined,
    metadata: Object.keys(c.metadata).length ? c.metadata : undefined,
    scores: c.scores.length ? c.scores : undefined,
    expr: c.expr,
  };
}

export function parseTraceQuery(raw: RawQuery): { filter: TraceFilter; page: PageRequest } {
  const c = parseCommon(raw, new Set(), 'trace');
  if (c.base.traceId) throw new LoupeError('invalid_query', 'traceId is a span filter; use GET /api/v1/traces/:id');
  const { traceId: _t, ...rest } = c.base;
  return { filter: withoutUndefined({ ...rest, ...listFilter(c, z.array(TraceStatus)) }), page: c.page };
}

/** What `include=` may add to each row of the trace list. */
export const TRACE_INCLUDES = ['models', 'scores'] as const;
export type TraceIncludeName = (typeof TRACE_INCLUDES)[number];
/** Which extras a trace list asked for; all false means the rows are plain traces. */
export type TraceInclude = Record<TraceIncludeName, boolean>;

/** `include=models,scores`, or repeated (`include=models&include=scores`); empty entries ask for nothing. */
export function parseTraceInclude(value: string | string[] | undefined): TraceInclude {
  const include: TraceInclude = { models: false, scores: false };
  for (const name of all(value).flatMap(csv)) {
    if (!(TRACE_INCLUDES as readonly string[]).includes(name)) {
      throw new LoupeError('invalid_query', `include: unknown "${name}"; known: ${TRACE_INCLUDES.join(', ')}`, { parameter: 'include', known: TRACE_INCLUDES });
    }
    include[name as TraceIncludeName] = true;
  }
  return include;
}

/** GET /api/v1/traces: the trace filters and page, and the row extras (`include`). */
export function parseTraceListQuery(raw: RawQuery): { filter: TraceFilter; page: PageRequest; include: TraceInclude } {
  const { include, ...rest } = raw;
  return { ...parseTraceQuery(rest), include: parseTraceInclude(include) };
}

export function parseSpanQuery(raw: RawQuery): { filter: SpanFilter; page: PageRequest } {
  const c = parseCommon(raw, new Set(), 'span');
  if (c.base.q) throw new LoupeError('unsupported_filter', 'q (full text) is served on traces; filter spans by traceId, kind, model, name or status');
  const { q: _q, ...rest } = c.base;
  return { filter: withoutUndefined({ ...rest, ...listFilter(c, z.array(SpanStatus)) }), page: c.page };
}

// ---- sessions, users and scores: the same parameters, each list taking the ones that apply ----

/** Sessions active in [from, to) (lastTime >= from, firstTime < to), with this user, matching expr (session fields). */
export type SessionFilter = Pick<TraceFilter, 'from' | 'to' | 'userId' | 'expr'>;
/** Users seen in [from, to), in this session, matching expr (user fields). */
export type UserFilter = Pick<TraceFilter, 'from' | 'to' | 'sessionId' | 'expr'>;
/** Scores given in [from, to); `name` is the exact score name here; expr uses score fields. */
export interface ScoreFilter extends Pick<TraceFilter, 'from' | 'to' | 'userId' | 'sessionId' | 'name' | 'expr'> {
  traceId?: string;
  spanId?: string;
  source?: ScoreSource[];
  valueType?: Array<'number' | 'string' | 'boolean'>;
}

const PAGING = ['limit', 'cursor', 'order', 'filter'];

/** Refuses (400 unsupported_filter) the list parameters that do not apply to this list. */
function refuseOthers(raw: RawQuery, allowed: string[], what: string): void {
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key) || PAGING.includes(key)) continue;
    throw new LoupeError('unsupported_filter', `"${key}" does not apply to ${what}; filters here: ${[...allowed, 'filter'].join(', ')}`);
  }
}

export function parseSessionQuery(raw: RawQuery): { filter: SessionFilter; page: PageRequest } {
  refuseOthers(raw, ['from', 'to', 'userId'], 'sessions');
  const { base, page, expr } = parseCommon(raw, new Set(), 'session');
  return { filter: withoutUndefined({ from: base.from, to: base.to, userId: base.userId, expr }), page };
}

export function parseUserQuery(raw: RawQuery): { filter: UserFilter; page: PageRequest } {
  refuseOthers(raw, ['from', 'to', 'sessionId'], 'users');
  const { base, page, expr } = parseCommon(raw, new Set(), 'user');
  return { filter: withoutUndefined({ from: base.from, to: base.to, sessionId: base.sessionId, expr }), page };
}

export const SCORE_PARAMS: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'traceId', description: 'Scores of this trace' },
  { name: 'spanId', description: 'Scores of this span' },
  { name: 'name', description: 'Score name (exact)' },
  { name: 'source', description: 'user, api or eval; several comma-separated' },
  { name: 'valueType', description: 'number, string (categorical) or boolean; several comma-separated' },
  { name: 'userId', description: 'User of the scored trace' },
  { name: 'sessionId', description: 'Session of the scored trace' },
  { name: 'from', description: 'Given at or after this ISO 8601 time' },
  { name: 'to', description: 'Given before this ISO 8601 time' },
];

export function parseScoreQuery(raw: RawQuery): { filter: ScoreFilter; page: PageRequest } {
  refuseOthers(raw, SCORE_PARAMS.map((p) => p.name), 'scores');
  const extra = new Set(['spanId', 'source', 'valueType']);
  const { base, page, expr } = parseCommon(raw, extra, 'score');
  const flat = single(raw);
  const source = z.array(ScoreSource).safeParse(all(raw.source).flatMap(csv));
  if (!source.success) fail(source.error.issues.map((i) => ({ ...i, path: ['source'] })));
  const valueType = z.array(z.enum(['number', 'string', 'boolean'])).safeParse(all(raw.valueType).flatMap(csv));
  if (!valueType.success) fail(valueType.error.issues.map((i) => ({ ...i, path: ['valueType'] })));
  const filter: ScoreFilter = withoutUndefined({
    from: base.from, to: base.to, userId: base.userId, sessionId: base.sessionId, name: base.name, traceId: base.traceId,
    spanId: flat.spanId || undefined,
    source: source.data.length ? source.data : undefined,
    valueType: valueType.data.length ? valueType.data : undefined,
    expr,
  });
  return { filter, page };
}

/** Page parameters alone (for a detail view that pages its children), with its own default order. */
export function parsePage(raw: RawQuery, order: Order): PageRequest {
  for (const key of Object.keys(raw)) {
    if (!['limit', 'cursor', 'order'].includes(key)) throw new LoupeError('invalid_query', `unknown query parameter "${key}"; this list takes limit, cursor and order.${didYouMean(key, ['limit', 'cursor', 'order'])}`);
  }
  const page = PageQuery.safeParse({ order, ...single(raw) });
  if (!page.success) fail(page.error.issues);
  return page.data;
}
