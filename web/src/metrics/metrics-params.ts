// The metrics page's state lives in the address bar (range, bucket size, grouping, level, top N);
// this turns it into the windows and GET /api/v1/metrics queries the page asks for.
export const METRIC_RANGES = [
  { id: '1h', label: '1 h', ms: 3_600_000 },
  { id: '24h', label: '24 h', ms: 86_400_000 },
  { id: '7d', label: '7 d', ms: 7 * 86_400_000 },
  { id: '30d', label: '30 d', ms: 30 * 86_400_000 },
] as const;

export const INTERVALS = [
  { id: '1m', ms: 60_000 },
  { id: '5m', ms: 300_000 },
  { id: '15m', ms: 900_000 },
  { id: '1h', ms: 3_600_000 },
  { id: '6h', ms: 21_600_000 },
  { id: '1d', ms: 86_400_000 },
] as const;

export const GROUP_BYS = ['model', 'kind', 'environment', 'name', 'userId'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];
export type Level = 'trace' | 'span';

/**
 * The server answers at most 10,000 buckets per query, counting the one `to` falls in even when
 * `to` is its start; longer windows are asked in parts of this many.
 */
export const MAX_BUCKETS_PER_QUERY = 9_000;
/** Past this the page refuses: 50,000 buckets is already a point per pixel on any screen. */
export const MAX_BUCKETS = 50_000;

export interface MetricsState {
  rangeId: string;
  fromMs: number;
  toMs: number;
  interval: string;
  intervalMs: number;
  /** Whether the interval was picked by the page from the range (no `interval` in the URL). */
  autoInterval: boolean;
  groupBy: GroupBy | null;
  level: Level;
  top: number;
  buckets: number;
}

/** Bucket size for a range when the reader has not chosen one: a few hundred points per chart. */
function autoInterval(spanMs: number): (typeof INTERVALS)[number] {
  return INTERVALS.find((i) => spanMs / i.ms <= 400) ?? INTERVALS[INTERVALS.length - 1];
}

export function intervalMs(id: string): number | null {
  const m = /^(\d+)([smhd])$/.exec(id);
  if (!m) return null;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const n = Number(m[1]) * unit;
  return n > 0 ? n : null;
}

/**
 * The window for this URL. A preset ends at `now` rounded up to a whole bucket, so buckets line
 * up with the server's (aligned to the epoch) and the last one is whole; custom from/to are kept.
 */
export function metricsState(url: URLSearchParams, now: number): MetricsState {
  const fromParam = Date.parse(url.get('from') ?? '');
  const toParam = Date.parse(url.get('to') ?? '');
  const custom = Number.isFinite(fromParam);
  const preset = METRIC_RANGES.find((r) => r.id === url.get('range')) ?? METRIC_RANGES[1];
  const spanMs = custom ? (Number.isFinite(toParam) ? toParam : now) - fromParam : preset.ms;
  const chosen = url.get('interval');
  const chosenMs = chosen ? intervalMs(chosen) : null;
  const iv = chosenMs ? { id: chosen!, ms: chosenMs } : autoInterval(spanMs);
  let fromMs: number;
  let toMs: number;
  if (custom) {
    fromMs = Math.floor(fromParam / iv.ms) * iv.ms;
    toMs = Number.isFinite(toParam) ? toParam : now;
  } else {
    toMs = Math.ceil(now / iv.ms) * iv.ms;
    fromMs = toMs - preset.ms;
  }
  const g = url.get('groupBy');
  const top = Number(url.get('top'));
  return {
    rangeId: custom ? 'custom' : preset.id,
    fromMs, toMs, interval: iv.id, intervalMs: iv.ms, autoInterval: !chosenMs,
    groupBy: (GROUP_BYS as readonly string[]).includes(g ?? '') ? (g as GroupBy) : null,
    level: url.get('level') === 'span' ? 'span' : 'trace',
    top: Number.isInteger(top) && top > 0 && top <= 20 ? top : 5,
    buckets: Math.max(0, Math.ceil((toMs - fromMs) / iv.ms)),
  };
}

/** The API queries for one level: one per part of at most MAX_BUCKETS_PER_QUERY buckets. */
export function metricsQueries(s: MetricsState, level: Level): string[] {
  const out: string[] = [];
  const step = MAX_BUCKETS_PER_QUERY * s.intervalMs;
  for (let from = s.fromMs; from < s.toMs; from += step) {
    const q = new URLSearchParams({
      from: new Date(from).toISOString(), to: new Date(Math.min(s.toMs, from + step)).toISOString(),
      interval: s.interval, level,
    });
    if (s.groupBy) q.set('groupBy', s.groupBy);
    out.push(`/api/v1/metrics?${q.toString()}`);
  }
  return out;
}
