// /metrics: traces and spans over time, error rate, latency percentiles, tokens and cost, for a
// range, bucket size and grouping held in the URL. A click on a chart opens the trace list
// filtered to that bucket (and series).
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, errorText } from '../lib/api';
import { fmtCost, fmtDuration, fmtTokens } from '../lib/format';
import { navigate, useLocation, withParams } from '../lib/router';
import { Chart, type ChartPick, type ChartSeries } from './chart';
import { buildFrame, OTHER, type GroupSeries, type MetricsFrame, type MetricsPoint } from './metrics-data';
import { bucketHref } from './metrics-links';
import { MetricsToolbar } from './metrics-toolbar';
import { MAX_BUCKETS, metricsQueries, metricsState, type Level, type MetricsState } from './metrics-params';
import './metrics.css';

// Readable on both backgrounds; "other" is grey so it never looks like a top group.
const PALETTE = ['#6366f1', '#0ea5e9', '#f59e0b', '#10b981', '#ec4899', '#8b5cf6', '#ef4444', '#14b8a6', '#84cc16', '#f97316', '#06b6d4', '#a855f7'];
const OTHER_COLOR = '#8b93a1';

async function fetchLevel(urls: string[], level: Level): Promise<MetricsPoint[]> {
  const parts = await Promise.all(urls.map((u) => api<{ data: MetricsPoint[] }>(u)));
  // When the points arrived: the browser test times from here to the charts drawn.
  performance.mark(`metrics-data:${level}`);
  return parts.flatMap((p) => p.data);
}

function useLevel(s: MetricsState, level: Level, enabled: boolean) {
  const urls = metricsQueries(s, level);
  return useQuery({ queryKey: ['metrics', urls], queryFn: () => fetchLevel(urls, level), enabled, staleTime: 30_000, placeholderData: (prev) => prev });
}

const pct = (v: number) => `${(v * 100).toFixed(v < 0.1 && v > 0 ? 1 : 0)}%`;
const count = (v: number) => (Math.abs(v) >= 1000 ? fmtTokens(v) : String(Math.round(v * 100) / 100));
// fmtTokens says "–" for 0 (a row without tokens); on an axis 0 is a number like any other.
const tokens = (v: number) => (v === 0 ? '0' : fmtTokens(v));
const latency = (v: number) => (v === 0 ? '0' : fmtDuration(v));

interface CardSpec {
  id: string;
  title: string;
  frame: MetricsFrame;
  series: ChartSeries[];
  /** Each series' group key (for the link), parallel to series. */
  keys: string[];
  totals: string[];
  fmt: (v: number) => string;
  errorsOnly?: boolean;
  level: Level;
  note?: string;
}

/** One colour per group on every chart: by rank among traces, then the groups only spans have. */
function colors(tf: MetricsFrame, sf: MetricsFrame): (g: GroupSeries) => string {
  const map = new Map<string, string>();
  for (const g of [...tf.groups, ...sf.groups]) if (g.key !== OTHER && !map.has(g.key)) map.set(g.key, PALETTE[map.size % PALETTE.length]);
  return (g) => map.get(g.key) ?? OTHER_COLOR;
}

export function MetricsPage() {
  const { path, params } = useLocation();
  const [now, setNow] = useState(() => Date.now());
  const search = params.toString();
  // The window is fixed per URL (and per Refresh), so a preset does not drift on every render.
  const s = useMemo(() => metricsState(new URLSearchParams(search), now), [search, now]);
  const tooMany = s.buckets > MAX_BUCKETS;
  const traces = useLevel(s, 'trace', !tooMany);
  const spans = useLevel(s, 'span', !tooMany);
  const setParams = (next: URLSearchParams) => navigate(withParams(path, next), { replace: false });

  const traceFrame = useMemo(() => (traces.data ? buildFrame(traces.data, s.fromMs, s.intervalMs, s.buckets, s.top) : null), [traces.data, s]);
  const spanFrame = useMemo(() => (spans.data ? buildFrame(spans.data, s.fromMs, s.intervalMs, s.buckets, s.top) : null), [spans.data, s]);
  const cards = useMemo(() => (traceFrame && spanFrame ? cardSpecs(s, traceFrame, spanFrame) : []), [s, traceFrame, spanFrame]);

  const error = traces.error ?? spans.error;
  return (
    <div className="mx-page" data-testid="metrics-page">
      <MetricsToolbar state={s} params={params} onChange={setParams} onRefresh={() => setNow(Date.now())} fetching={traces.isFetching || spans.isFetching} />
      {tooMany ? (
        <div className="empty" data-testid="metrics-too-many">{s.buckets.toLocaleString()} buckets is more than {MAX_BUCKETS.toLocaleString()}: pick a larger bucket size.</div>
      ) : error ? (
        <div className="empty"><div className="error-box"><b>The metrics could not be loaded.</b> {errorText(error)}</div></div>
      ) : !cards.length ? (
        <div className="empty">Loading metrics…</div>
      ) : (
        <div className={`mx-grid${traces.isPlaceholderData || spans.isPlaceholderData ? ' stale' : ''}`}>
          {cards.map((c) => <ChartCard key={c.id} card={c} s={s} />)}
        </div>
      )}
    </div>
  );
}

function ChartCard({ card, s }: { card: CardSpec; s: MetricsState }) {
  const onPick = (p: ChartPick) => {
    const startMs = card.frame.xs[p.index] * 1000;
    navigate(bucketHref({
      startMs, intervalMs: s.intervalMs, groupBy: s.groupBy, level: card.level,
      group: p.series === null || !s.groupBy ? null : card.keys[p.series], topValues: card.frame.topValues, errorsOnly: card.errorsOnly,
    }));
  };
  return (
    <section className="mx-card" data-testid={`card-${card.id}`}>
      <h3>{card.title}{card.note && <span className="faint"> · {card.note}</span>}</h3>
      <Chart id={card.id} xs={card.frame.xs} series={card.series} fmt={card.fmt} onPick={onPick} />
      <div className="mx-totals">
        {card.series.map((sr, i) => card.totals[i] && (
          <span key={i} className="mx-total" data-testid="total" data-series={sr.label}>
            <i style={{ background: sr.color }} /> {sr.label} <b>{card.totals[i]}</b>
          </span>
        ))}
      </div>
    </section>
  );
}

function cardSpecs(s: MetricsState, tf: MetricsFrame, sf: MetricsFrame): CardSpec[] {
  const lf = s.level === 'trace' ? tf : sf;
  const unit = s.level === 'trace' ? 'traces' : 'spans';
  const by = s.groupBy ? ` by ${s.groupBy}` : '';
  const grouped = s.groupBy !== null;
  const colorOf = colors(tf, sf);
  const perGroup = (f: MetricsFrame, pickValues: (g: GroupSeries) => ChartSeries['values'], total: (g: GroupSeries) => string, skipOther = false) => {
    const gs = f.groups.filter((g) => !(skipOther && g.key === OTHER));
    return {
      series: gs.map((g) => ({ label: grouped ? g.label : 'all', color: colorOf(g), values: pickValues(g) })),
      keys: gs.map((g) => g.key),
      totals: gs.map(total),
    };
  };
  const cards: CardSpec[] = [
    { id: 'traces', title: `Traces${by}`, frame: tf, fmt: count, level: 'trace', ...perGroup(tf, (g) => g.count, (g) => g.totals.count.toLocaleString()) },
    { id: 'spans', title: `Spans${by}`, frame: sf, fmt: count, level: 'span', ...perGroup(sf, (g) => g.count, (g) => g.totals.count.toLocaleString()) },
    {
      id: 'errors', title: `Error rate (${unit})${by}`, frame: lf, fmt: pct, level: s.level, errorsOnly: true,
      ...perGroup(lf, (g) => g.errorRate, (g) => (g.totals.count ? `${pct(g.totals.errors / g.totals.count)} (${g.totals.errors})` : '–')),
    },
  ];
  if (grouped) {
    cards.push({ id: 'latency', title: `Latency p95 (${unit})${by}`, note: lf.others.length ? '"other" has none: percentiles of different groups do not add up' : undefined, frame: lf, fmt: latency, level: s.level, ...perGroup(lf, (g) => g.p95, () => '', true) });
  } else {
    const g = lf.groups[0];
    cards.push({
      id: 'latency', title: `Latency (${unit})`, frame: lf, fmt: latency, level: s.level, keys: ['', '', ''], totals: ['', '', ''],
      series: [
        { label: 'p50', color: PALETTE[3], values: g.p50 },
        { label: 'p95', color: PALETTE[2], values: g.p95 },
        { label: 'p99', color: PALETTE[6], values: g.p99, dash: true },
      ],
    });
  }
  if (grouped) {
    cards.push({
      id: 'tokens', title: `Tokens, input + output (${unit})${by}`, frame: lf, fmt: tokens, level: s.level,
      ...perGroup(lf, (g) => g.inputTokens.map((v, i) => v + g.outputTokens[i]), (g) => `${fmtTokens(g.totals.inputTokens)} in / ${fmtTokens(g.totals.outputTokens)} out`
        // spans carry the prompt-cache counts; traces keep none
        + (s.level === 'span' ? ` / ${fmtTokens(g.totals.cacheRead)} cache read` : '')),
    });
  } else {
    const g = lf.groups[0];
    // Cache counts live on spans (input tokens include cache reads), so they come from the span
    // frame whichever level the other lines count.
    const c = sf.groups[0];
    cards.push({
      id: 'tokens', title: s.level === 'span' ? 'Tokens (spans)' : 'Tokens (traces; cache from their spans)', frame: lf, fmt: tokens, level: s.level, keys: ['', '', '', ''],
      totals: [g.totals.inputTokens, g.totals.outputTokens, c.totals.cacheRead, c.totals.cacheWrite].map((n) => n.toLocaleString()),
      series: [
        { label: 'input', color: PALETTE[0], values: g.inputTokens },
        { label: 'output', color: PALETTE[1], values: g.outputTokens },
        { label: 'cache read', color: PALETTE[4], values: c.cacheRead, dash: true },
        { label: 'cache write', color: PALETTE[5], values: c.cacheWrite, dash: true },
      ],
    });
  }
  cards.push({ id: 'cost', title: `Cost (${unit})${by}`, frame: lf, fmt: (v) => fmtCost(v), level: s.level, ...perGroup(lf, (g) => g.cost, (g) => fmtCost(g.totals.cost)) });
  return cards;
}
