// The metrics page's pure parts: URL → window and queries (long windows in parts), points →
// top N + other, and a picked bucket → the trace list's filters.
import { describe, expect, test } from 'vitest';
import { buildFrame, NONE, OTHER, type MetricsPoint } from './metrics-data';
import { bucketHref } from './metrics-links';
import { metricsQueries, metricsState } from './metrics-params';

const H = 3_600_000;
const point = (bucketMs: number, group: string | null, count: number, errorCount = 0): MetricsPoint => ({
  bucket: new Date(bucketMs).toISOString(), group, count, errorCount, errorRate: errorCount / count,
  latencyP50Ms: 10, latencyP95Ms: 20, latencyP99Ms: 30, inputTokens: count * 10, outputTokens: count, cacheReadTokens: count * 2, cacheWriteTokens: 0, costUsd: count * 0.5,
});

describe('metrics state', () => {
  test('a preset ends at now rounded up to a whole bucket; the interval is picked when absent', () => {
    const now = Date.parse('2026-01-02T10:17:30Z');
    const s = metricsState(new URLSearchParams('range=24h'), now);
    expect(s.interval).toBe('5m');
    expect(new Date(s.toMs).toISOString()).toBe('2026-01-02T10:20:00.000Z');
    expect(s.toMs - s.fromMs).toBe(24 * H);
    expect(s.buckets).toBe(288);
    expect(s.groupBy).toBeNull();
    expect(metricsState(new URLSearchParams('groupBy=nonsense&top=0'), now)).toMatchObject({ groupBy: null, top: 5, level: 'trace' });
  });

  test('30 days of 1-minute buckets are asked in parts the server accepts, back to back', () => {
    const s = metricsState(new URLSearchParams('range=30d&interval=1m&groupBy=model&level=span'), Date.parse('2026-01-31T00:00:00Z'));
    expect(s.buckets).toBe(43_200);
    const qs = metricsQueries(s, 'span').map((u) => new URLSearchParams(u.split('?')[1]));
    expect(qs).toHaveLength(5);
    expect(qs[0].get('from')).toBe(new Date(s.fromMs).toISOString());
    for (let i = 1; i < qs.length; i++) expect(qs[i].get('from')).toBe(qs[i - 1].get('to'));
    expect(qs[4].get('to')).toBe(new Date(s.toMs).toISOString());
    for (const q of qs) {
      expect((Date.parse(q.get('to')!) - Date.parse(q.get('from')!)) / 60_000).toBeLessThanOrEqual(9_000);
      expect(q.get('groupBy')).toBe('model');
      expect(q.get('level')).toBe('span');
    }
  });
});

describe('metrics frame', () => {
  test('the top groups by count, the rest summed into other, gaps where a rate has no items', () => {
    const from = Date.parse('2026-01-01T00:00:00Z');
    const pts = [point(from, 'a', 5, 1), point(from, 'b', 3), point(from, 'c', 1), point(from, null, 2), point(from + 2 * H, 'a', 4), point(from + 2 * H, 'c', 2, 2)];
    const f = buildFrame(pts, from, H, 3, 2);
    expect(f.groups.map((g) => g.label)).toEqual(['a', 'b', 'other']);
    expect(f.topValues).toEqual(['a', 'b']);
    const other = f.groups[2];
    expect(other.key).toBe(OTHER);
    expect(Array.from(other.count)).toEqual([3, 0, 2]);
    expect(other.errorRate).toEqual([0, null, 1]);
    expect(other.p95).toEqual([null, null, null]);
    expect(f.groups[0].errorRate).toEqual([0.2, null, 0]);
    expect(Array.from(f.xs)).toEqual([from / 1000, from / 1000 + 3600, from / 1000 + 7200]);
    expect(buildFrame([], from, H, 2, 5).groups.map((g) => g.key)).toEqual([NONE]);
  });
});

describe('bucket links', () => {
  const base = { startMs: Date.parse('2026-01-01T02:00:00Z'), intervalMs: H, level: 'trace' as const, topValues: ['gpt-4o', 'b"x'] };
  const q = (href: string) => new URL(href, 'http://x').searchParams;
  test('plain parameters where the list has an exact one, filter= expressions elsewhere', () => {
    expect(Object.fromEntries(q(bucketHref({ ...base, groupBy: 'model', group: 'gpt-4o' })))).toEqual({ from: '2026-01-01T02:00:00.000Z', to: '2026-01-01T03:00:00.000Z', model: 'gpt-4o' });
    expect(q(bucketHref({ ...base, groupBy: 'name', group: 'chat "v2"' })).get('filter')).toBe('name = "chat \\"v2\\""');
    expect(q(bucketHref({ ...base, groupBy: 'environment', group: NONE })).get('filter')).toBe('environment = null');
    expect(q(bucketHref({ ...base, groupBy: 'model', group: OTHER })).get('filter')).toBe('not model in ["gpt-4o", "b\\"x"]');
    expect(q(bucketHref({ ...base, groupBy: 'model', group: NONE })).has('filter')).toBe(false);
    expect(q(bucketHref({ ...base, level: 'span', groupBy: 'name', group: 'answer' })).has('filter')).toBe(false);
    expect(q(bucketHref({ ...base, groupBy: null, group: null, errorsOnly: true })).get('status')).toBe('error');
  });
});
