// API points → what the charts draw: one shared x axis of every bucket in the window (seconds, as
// uPlot wants them) and, per group, one array per measure. Additive measures are Float64Arrays
// with 0 for a bucket without data; rates and percentiles are arrays with null there, which
// uPlot draws as a gap (a typed array cannot hold null, and 0 ms would be a lie).
import type { z } from 'zod';
import type { MetricsPoint as MetricsPointSchema } from '../../../src/query/metrics';

/** A point of GET /api/v1/metrics, as the server's schema says (types only: nothing is bundled). */
export type MetricsPoint = z.infer<typeof MetricsPointSchema>;

export const OTHER = '\u0000other';
export const NONE = '\u0000none';

export interface GroupSeries {
  /** The group's value, NONE for items without one, OTHER for everything past the top N. */
  key: string;
  label: string;
  count: Float64Array;
  errors: Float64Array;
  errorRate: Array<number | null>;
  p50: Array<number | null>;
  p95: Array<number | null>;
  p99: Array<number | null>;
  inputTokens: Float64Array;
  outputTokens: Float64Array;
  cacheRead: Float64Array;
  cacheWrite: Float64Array;
  cost: Float64Array;
  totals: { count: number; errors: number; inputTokens: number; outputTokens: number; cacheRead: number; cacheWrite: number; cost: number };
}

export interface MetricsFrame {
  /** Bucket starts in seconds. */
  xs: Float64Array;
  groups: GroupSeries[];
  /** Every group past the top N, by name (for the "other" link's filter). */
  others: string[];
  /** The top groups' own values (NONE excluded), for the "other" link's filter. */
  topValues: string[];
}

export const groupLabel = (key: string) => (key === OTHER ? 'other' : key === NONE ? '(none)' : key);

function emptySeries(key: string, n: number): GroupSeries {
  const gaps = () => new Array<number | null>(n).fill(null);
  return {
    key, label: groupLabel(key), count: new Float64Array(n), errors: new Float64Array(n), errorRate: gaps(),
    p50: gaps(), p95: gaps(), p99: gaps(), inputTokens: new Float64Array(n), outputTokens: new Float64Array(n),
    cacheRead: new Float64Array(n), cacheWrite: new Float64Array(n), cost: new Float64Array(n),
    totals: { count: 0, errors: 0, inputTokens: 0, outputTokens: 0, cacheRead: 0, cacheWrite: 0, cost: 0 },
  };
}

/**
 * Builds the frame: groups ranked by how many items they hold over the window, the first `top`
 * kept, the rest summed into "other" (counts, errors, tokens and cost add up; percentiles of
 * different groups cannot be merged, so "other" has no latency line).
 */
export function buildFrame(points: MetricsPoint[], fromMs: number, intervalMs: number, buckets: number, top: number): MetricsFrame {
  const xs = new Float64Array(buckets);
  for (let i = 0; i < buckets; i++) xs[i] = (fromMs + i * intervalMs) / 1000;
  const totals = new Map<string, number>();
  for (const p of points) {
    const k = p.group ?? NONE;
    totals.set(k, (totals.get(k) ?? 0) + p.count);
  }
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
  // Always at least one series, so an empty window still draws its axes.
  if (!ranked.length) ranked.push(NONE);
  const kept = ranked.slice(0, top);
  const others = ranked.slice(top);
  const byKey = new Map<string, GroupSeries>();
  const groups = kept.map((k) => {
    const s = emptySeries(k, buckets);
    byKey.set(k, s);
    return s;
  });
  const other = others.length ? emptySeries(OTHER, buckets) : null;
  if (other) groups.push(other);
  for (const p of points) {
    const i = Math.floor((Date.parse(p.bucket) - fromMs) / intervalMs);
    if (i < 0 || i >= buckets) continue;
    const own = byKey.get(p.group ?? NONE);
    const s = own ?? other;
    if (!s) continue;
    s.count[i] += p.count;
    s.errors[i] += p.errorCount;
    s.inputTokens[i] += p.inputTokens;
    s.outputTokens[i] += p.outputTokens;
    s.cacheRead[i] += p.cacheReadTokens ?? 0;
    s.cacheWrite[i] += p.cacheWriteTokens ?? 0;
    s.cost[i] += p.costUsd ?? 0;
    s.totals.count += p.count;
    s.totals.errors += p.errorCount;
    s.totals.inputTokens += p.inputTokens;
    s.totals.outputTokens += p.outputTokens;
    s.totals.cacheRead += p.cacheReadTokens ?? 0;
    s.totals.cacheWrite += p.cacheWriteTokens ?? 0;
    s.totals.cost += p.costUsd ?? 0;
    if (own) {
      s.p50[i] = p.latencyP50Ms;
      s.p95[i] = p.latencyP95Ms;
      s.p99[i] = p.latencyP99Ms;
    }
  }
  for (const s of groups) {
    for (let i = 0; i < buckets; i++) s.errorRate[i] = s.count[i] > 0 ? s.errors[i] / s.count[i] : null;
  }
  return { xs, groups, others, topValues: kept.filter((k) => k !== NONE) };
}
