// The fields a filter expression may name, per target (traces, spans, sessions, users, scores),
// with their type and the column they read. Validation against this catalog happens once, at the
// edge; sql.ts compiles the validated tree. Column text is plain SQL common to every backend.
import { SPAN_KINDS, TraceStatus, ScoreSource } from '../model/enums.js';
import { microsFromIso, microsFromMillis } from '../model/time.js';
import { relativeMicros } from './relative-time.js';
import { didYouMean } from './suggest.js';
import { exprError, parseExpr, type CmpOp, type Comparison, type FilterExpr, type Literal } from './expr.js';

export type FilterTarget = 'trace' | 'span' | 'session' | 'user' | 'score';
export type FieldType = 'text' | 'number' | 'time' | 'enum';

export interface FieldDef {
  type: FieldType;
  /** SQL over the target's aliases (t traces, s spans, se sessions, u users, sc scores). */
  column: string;
  /** The column is a span's input/output JSON, which the dialect must read back as plain text. */
  spanJson?: boolean;
  values?: readonly string[];
  /** An EXISTS template ({} = the condition) for fields that hold when any related row matches. */
  via?: string;
  doc: string;
}

/** Keyed fields: `metadata.KEY` (JSON column) and `score.NAME` (scores on the row). */
export interface KeyedDef {
  metadata?: string;
  /** Condition tying scores `sc` to the row. */
  score?: string;
}

const text = (column: string, doc: string): FieldDef => ({ type: 'text', column, doc });
const num = (column: string, doc: string): FieldDef => ({ type: 'number', column, doc });
const time = (column: string, doc: string): FieldDef => ({ type: 'time', column, doc });
const oneOf = (column: string, values: readonly string[], doc: string): FieldDef => ({ type: 'enum', column, values, doc });

const SPANS_OF_TRACE = 'EXISTS (SELECT 1 FROM spans k WHERE k.trace_num = t.num AND {})';
const TAGS_OF_TRACE = 'EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_num = t.num AND {})';
const TRACE_CONTEXT: Record<string, FieldDef> = {
  userId: text('t.user_id', 'User of the trace'),
  sessionId: text('t.session_id', 'Session (conversation) of the trace'),
  environment: text('t.environment', 'Environment (production, staging, …)'),
  release: text('t.release', 'Release / service version'),
  externalId: text('t.external_id', "The caller's own id for the trace"),
  tag: { type: 'text', column: 'g.tag', via: TAGS_OF_TRACE, doc: 'The trace has a tag matching' },
};

export const FIELDS: Record<FilterTarget, Record<string, FieldDef>> = {
  trace: {
    id: text('t.id', 'Trace id'),
    name: text('t.name', 'Trace name'),
    status: oneOf('t.status', TraceStatus.options, 'pending | success | error'),
    ...TRACE_CONTEXT,
    testId: text('t.test_id', 'Eval run id'),
    startTime: time('t.start_time', 'Start (ISO 8601)'),
    endTime: time('t.end_time', 'End (ISO 8601)'),
    durationMs: num('t.duration_ms', 'Duration in ms'),
    spanCount: num('t.span_count', 'Number of spans'),
    errorCount: num('t.error_count', 'Spans in error'),
    inputTokens: num('t.input_tokens', 'Input tokens (llm and embedding spans)'),
    outputTokens: num('t.output_tokens', 'Output tokens'),
    totalTokens: num('t.total_tokens', 'Total tokens'),
    costUsd: num('t.cost_usd', 'Cost in USD'),
    input: text('t.input', 'Trace input as JSON text (use contains)'),
    output: text('t.output', 'Trace output as JSON text (use contains)'),
    kind: { type: 'enum', column: "coalesce(k.kind, 'span')", values: SPAN_KINDS, via: SPANS_OF_TRACE, doc: 'Some span has this kind' },
    model: { type: 'text', column: 'k.model', via: SPANS_OF_TRACE, doc: 'Some span used this model' },
    provider: { type: 'text', column: 'k.provider', via: SPANS_OF_TRACE, doc: 'Some span used this provider' },
  },
  span: {
    id: text('s.id', 'Span id'),
    traceId: text('t.id', 'Trace id'),
    parentId: text('s.parent_id', 'Parent span id'),
    name: text('s.name', 'Span name'),
    kind: oneOf("coalesce(s.kind, 'span')", SPAN_KINDS, 'Span kind'),
    status: oneOf("coalesce(s.status, 'unset')", ['unset', 'ok', 'error'], 'unset | ok | error'),
    error: text('s.error', 'Error message'),
    model: text('s.model', 'Model'),
    provider: text('s.provider', 'Provider'),
    startTime: time('s.start_time', 'Start (ISO 8601)'),
    endTime: time('s.end_time', 'End (ISO 8601)'),
    durationMs: num('s.duration_ms', 'Duration in ms'),
    inputTokens: num('s.input_tokens', 'Input tokens'),
    outputTokens: num('s.output_tokens', 'Output tokens'),
    totalTokens: num('s.total_tokens', 'Total tokens'),
    costUsd: num('s.cost_usd', 'Cost in USD'),
    input: { ...text('s.input', 'Span input as JSON text (use contains)'), spanJson: true },
    output: { ...text('s.output', 'Span output as JSON text (use contains)'), spanJson: true },
    ...TRACE_CONTEXT,
  },
  session: {
    id: text('se.id', 'Session id'),
    traceCount: num('se.trace_count', 'Traces in the session'),
    firstTime: time('se.first_time', 'Start of the first trace'),
    lastTime: time('se.last_time', 'Start of the latest trace'),
    inputTokens: num('se.input_tokens', 'Input tokens'),
    outputTokens: num('se.output_tokens', 'Output tokens'),
    totalTokens: num('se.total_tokens', 'Total tokens'),
    costUsd: num('CASE WHEN se.cost_count > 0 THEN se.cost_usd END', 'Cost in USD'),
    errorCount: num('se.error_count', 'Traces in error'),
    userId: { type: 'text', column: 'su.user_id', via: 'EXISTS (SELECT 1 FROM session_users su WHERE su.project_id = se.project_id AND su.session_id = se.id AND {})', doc: 'A user took part' },
  },
  user: {
    id: text('u.id', 'User id'),
    traceCount: num('u.trace_count', 'Traces of the user'),
    sessionCount: num('u.session_count', 'Sessions of the user'),
    firstSeen: time('u.first_seen', 'Start of the first trace'),
    lastSeen: time('u.last_seen', 'Start of the latest trace'),
    inputTokens: num('u.input_tokens', 'Input tokens'),
    outputTokens: num('u.output_tokens', 'Output tokens'),
    totalTokens: num('u.total_tokens', 'Total tokens'),
    costUsd: num('CASE WHEN u.cost_count > 0 THEN u.cost_usd END', 'Cost in USD'),
    errorCount: num('u.error_count', 'Traces in error'),
    scoreCount: num('u.score_count', 'Scores on the user\'s traces'),
    sessionId: { type: 'text', column: 'su.session_id', via: 'EXISTS (SELECT 1 FROM session_users su WHERE su.project_id = u.project_id AND su.user_id = u.id AND {})', doc: 'Took part in this session' },
  },
  score: {
    id: text('sc.id', 'Score id'),
    traceId: text('t.id', 'Trace id'),
    spanId: text('sc.span_id', 'Span id (null for trace scores)'),
    name: text('sc.name', 'Score name'),
    source: oneOf('sc.source', ScoreSource.options, 'user | api | eval'),
    valueType: oneOf('sc.value_type', ['number', 'string', 'boolean'], 'number | string | boolean'),
    comment: text('sc.comment', 'Comment'),
    createdAt: time('sc.created_at', 'When the score was given (ISO 8601)'),
    userId: text('t.user_id', 'User of the scored trace'),
    sessionId: text('t.session_id', 'Session of the scored trace'),
    environment: text('t.environment', 'Environment of the scored trace'),
  },
};

export const KEYED: Record<FilterTarget, KeyedDef> = {
  trace: { metadata: 't.metadata', score: 'sc.trace_num = t.num' },
  span: { metadata: 's.metadata', score: 'sc.trace_num = s.trace_num AND sc.span_id = s.id' },
  session: {},
  user: {},
  score: {},
};

/** On the score target, `value` compares the score's own value (typed like score.NAME). */
export const SCORE_VALUE_FIELD = 'value';

const ORDERED: CmpOp[] = ['>', '>=', '<', '<='];
const kindOf = (v: Literal) => (v === null ? 'null' : typeof v);

function fail(c: Comparison, message: string, onValue = true): never {
  throw exprError(message, onValue ? c.valuePos : c.pos, onValue ? JSON.stringify(c.value) : c.field + (c.key !== undefined ? `.${c.key}` : ''));
}

function checkValues(c: Comparison, each: (v: Literal) => Literal): Comparison {
  const value = Array.isArray(c.value) ? c.value.map(each) : each(c.value);
  return { ...c, value };
}

/** A score comparison: strings (=, !=, contains, in), numbers (any order), booleans (=, !=). */
function checkScore(c: Comparison): Comparison {
  const vals = Array.isArray(c.value) ? c.value : [c.value];
  const kinds = new Set(vals.map(kindOf));
  if (kinds.has('null')) fail(c, 'scores compare with a string, a number or a boolean, not null');
  if (kinds.size > 1) fail(c, 'the values of one score comparison must share a type');
  const k = [...kinds][0];
  if (k === 'string' && ORDERED.includes(c.cmp)) fail(c, `${c.cmp} compares numeric scores; give a number`);
  if (k !== 'string' && c.cmp === 'contains') fail(c, 'contains needs a string');
  if (k === 'boolean' && c.cmp !== '=' && c.cmp !== '!=' && c.cmp !== 'in') fail(c, 'boolean scores compare with = or !=');
  return c;
}

function checkField(def: FieldDef, c: Comparison): Comparison {
  const where = c.field;
  if (c.cmp === 'contains' && def.type !== 'text') fail(c, `contains works on text fields; ${where} is ${def.type}`, false);
  if (ORDERED.includes(c.cmp) && (def.type === 'text' || def.type === 'enum')) fail(c, `${c.cmp} needs a number or time field; ${where} is ${def.type}`, false);
  if (def.via && (c.value === null || (Array.isArray(c.value) && c.value.includes(null)))) fail(c, `${where} matches related rows; null is not a value here (use not)`);
  return checkValues(c, (v) => {
    if (v === null) {
      if (c.cmp !== '=' && c.cmp !== '!=') fail(c, 'null compares with = or != only');
      return null;
    }
    switch (def.type) {
      case 'number':
        if (typeof v !== 'number') fail(c, `${where} is a number; give a number without quotes`);
        return v;
      case 'time': {
        if (typeof v === 'number') return Math.round(v * 1000);
        const us = typeof v === 'string' ? microsFromIso(v) ?? relativeMicros(v, microsFromMillis(Date.now())) : undefined;
        if (us === undefined) fail(c, `${where} is a time; give an ISO 8601 string, a relative one ("-1h", "now-7d") or epoch milliseconds`);
        return us;
      }
      case 'enum':
        if (typeof v !== 'string' || !def.values?.includes(v)) fail(c, `${where} is one of ${def.values?.join(', ')}`);
        return v;
      default:
        if (typeof v !== 'string') fail(c, `${where} is text; put the value in quotes`);
        return v;
    }
  });
}

function checkComparison(target: FilterTarget, c: Comparison): Comparison {
  if (c.cmp === 'in' && (c.value as Literal[]).includes(null)) fail(c, 'null cannot be in a list; use = null');
  const keyed = KEYED[target];
  if (c.key !== undefined) {
    if (c.field === 'metadata' && keyed.metadata) {
      if (!/^[\w.\-]+$/.test(c.key)) fail(c, 'metadata keys may only hold letters, digits, _ . -', false);
      return checkValues(c, (v) => {
        if (typeof v === 'boolean') fail(c, 'metadata values compare as text or numbers; quote booleans ("true")');
        if (v === null && c.cmp !== '=' && c.cmp !== '!=') fail(c, 'null compares with = or != only');
        if (typeof v === 'string' && ORDERED.includes(c.cmp)) fail(c, `${c.cmp} on metadata needs a number`);
        if (typeof v === 'number' && c.cmp === 'contains') fail(c, 'contains needs a string');
        return v;
      });
    }
    if (c.field === 'score' && keyed.score) return checkScore(c);
    fail(c, `unknown field for ${target}s; keyed fields here: ${Object.keys(keyed).map((k) => `${k}.KEY`).join(', ') || 'none'}.${didYouMean(c.field, Object.keys(keyed))}`, false);
  }
  if (target === 'score' && c.field === SCORE_VALUE_FIELD) return checkScore(c);
  const def = FIELDS[target][c.field];
  if (!def) fail(c, `unknown field for ${target}s (known: ${Object.keys(FIELDS[target]).join(', ')}).${didYouMean(c.field, Object.keys(FIELDS[target]))}`, false);
  return checkField(def, c);
}

/** Checks every field and value against the target's catalog; times become microseconds. */
export function validateExpr(target: FilterTarget, e: FilterExpr): FilterExpr {
  if (e.op === 'and') return { op: 'and', items: e.items.map((x) => validateExpr(target, x)) };
  if (e.op === 'or') return { op: 'or', items: e.items.map((x) => validateExpr(target, x)) };
  if (e.op === 'not') return { op: 'not', item: validateExpr(target, e.item) };
  return checkComparison(target, e);
}

/** Parses and validates `filter=` text for a target: the one entry point the API and the CLI use. */
export function parseFilterExpression(src: string, target: FilterTarget): FilterExpr {
  return validateExpr(target, parseExpr(src));
}
