// The metrics query (GET /api/v1/metrics): the list filters plus level, interval and groupBy,
// validated once here; src/query/metrics-sql.ts compiles it, the Store runs it.
import { z } from 'zod';
import { roundCost } from '../model/money.js';
import { LoupeError } from '../errors.js';
import { isoFromMicros, microsFromMillis, type Micros } from '../model/time.js';
import { parseSpanQuery, parseTraceQuery, type RawQuery, type SpanFilter, type TraceFilter } from './filter.js';

export const METRIC_GROUPS = ['model', 'kind', 'name', 'environment', 'userId'] as const;
export type MetricGroup = (typeof METRIC_GROUPS)[number];

export type MetricsQuery =
  | { level: 'trace'; filter: TraceFilter & { from: Micros; to: Micros }; intervalMicros: number; groupBy?: MetricGroup }
  | { level: 'span'; filter: SpanFilter & { from: Micros; to: Micros }; intervalMicros: number; groupBy?: MetricGroup };

/** One row per (bucket, group) that has data; the Store returns buckets as µs, the route as ISO. */
export interface MetricsRow {
  bucket: Micros;
  group: string | null;
  count: number;
  errorCount: number;
  errorRate: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyP99Ms: number | null;
  inputTokens: number;
  outputTokens: number;
  /** Span level only (null for traces: the trace rows keep no cache counts). */
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  costUsd: number | null;
}

export const MetricsPoint = z.object({
  bucket: z.string().describe('ISO start of the interval (UTC, aligned to epoch multiples of the interval)'),
  group: z.string().nullable(),
  count: z.number().int(),
  errorCount: z.number().int(),
  errorRate: z.number(),
  latencyP50Ms: z.number().nullable(),
  latencyP95Ms: z.number().nullable(),
  latencyP99Ms: z.number().nullable(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int().nullable().describe('Input tokens read from the provider\'s prompt cache (llm and embedding spans); level=span only, null for traces'),
  cacheWriteTokens: z.number().int().nullable().describe('Input tokens written to the prompt cache; level=span only, null for traces'),
  costUsd: z.number().nullable(),
});

export function metricsPoint(r: MetricsRow): z.infer<typeof MetricsPoint> {
  return { ...r, bucket: isoFromMicros(r.bucket), costUsd: roundCost(r.costUsd) };
}

export const METRICS_PARAMS = [
  { name: 'level', description: 'trace (default) or span: what is counted' },
  { name: 'interval', description: 'Bucket width: N followed by s, m, h or d (1m, 5m, 1h, 1d; default 1h); buckets start at UTC epoch multiples' },
  { name: 'groupBy', description: 'model, kind, name, environment or userId (traces: model and kind put a trace in one group per distinct value of its spans)' },
] as const;

const UNIT_MICROS: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86_400e6 };
export const MAX_BUCKETS = 10_000;
const DEFAULT_SPAN_MICROS = 86_400e6;

export function parseInterval(s: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(s.trim());
  const us = m ? Number(m[1]) * UNIT_MICROS[m[2]] : 0;
  if (!m || us <= 0) throw new LoupeError('invalid_query', `interval: "${s}" is not a duration like 1m, 5m, 1h or 1d`);
  return us;
}

const PAGE_KEYS = ['limit', 'cursor', 'order'];

/** Parses the query string; `now` (µs) is the default `to`, and `from` defaults to 24 hours before it. */
export function parseMetricsQuery(raw: RawQuery, now: Micros = microsFromMillis(Date.now())): MetricsQuery {
  const { level: rawLevel, interval: rawInterval, groupBy: rawGroup, ...rest } = raw;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
  for (const k of PAGE_KEYS) if (rest[k] !== undefined) throw new LoupeError('invalid_query', `${k} does not apply to metrics`);
  const level = one(rawLevel) ?? 'trace';
  if (level !== 'trace' && level !== 'span') throw new LoupeError('invalid_query', `level: expected trace or span, got "${level}"`);
  const intervalMicros = parseInterval(one(rawInterval) ?? '1h');
  const g = one(rawGroup);
  if (g !== undefined && !(METRIC_GROUPS as readonly string[]).includes(g)) {
    throw new LoupeError('invalid_query', `groupBy: expected one of ${METRIC_GROUPS.join(', ')}, got "${g}"`);
  }
  const groupBy = g as MetricGroup | undefined;
  const parsed = level === 'trace' ? parseTraceQuery(rest).filter : parseSpanQuery(rest).filter;
  const to = parsed.to ?? now;
  const from = parsed.from ?? to - DEFAULT_SPAN_MICROS;
  if (from >= to) throw new LoupeError('invalid_query', 'from must be before to');
  const buckets = Math.floor(to / intervalMicros) - Math.floor(from / intervalMicros) + 1;
  if (buckets > MAX_BUCKETS) {
    throw new LoupeError('invalid_query', `from..to at interval ${one(rawInterval) ?? '1h'} makes ${buckets} buckets; at most ${MAX_BUCKETS}: widen the interval or narrow the range`);
  }
  if (level === 'trace') return { level, filter: { ...(parsed as TraceFilter), from, to }, intervalMicros, groupBy };
  return { level, filter: { ...(parsed as SpanFilter), from, to }, intervalMicros, groupBy };
}
