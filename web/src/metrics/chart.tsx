// One uPlot chart. React renders the card once per data change; uPlot owns the canvas, the cursor
// and the live legend, so moving across 43,200 points re-renders nothing in React. The instance is
// made once per set of series (and per theme) and otherwise fed new data with setData().
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: Float64Array | Array<number | null>;
  /** A dashed line: a second measure of the same group (p99 beside p95). */
  dash?: boolean;
}

export interface ChartPick {
  /** Bucket index under the cursor. */
  index: number;
  /** Index into `series` of the line the cursor was on, or null. */
  series: number | null;
}

interface Props {
  id: string;
  xs: Float64Array;
  series: ChartSeries[];
  fmt: (v: number) => string;
  onPick: (p: ChartPick) => void;
  height?: number;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Re-read the theme's colours when the system switches light/dark (canvas cannot use var()). */
const DARK = window.matchMedia('(prefers-color-scheme: dark)');

function useDark(): boolean {
  const [dark, setDark] = useState(DARK.matches);
  useEffect(() => {
    const on = () => setDark(DARK.matches);
    DARK.addEventListener('change', on);
    return () => DARK.removeEventListener('change', on);
  }, []);
  return dark;
}

export function Chart({ id, xs, series, fmt, onPick, height = 180 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const focused = useRef<number | null>(null);
  const made = useRef<ChartSeries[] | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;
  const fmtRef = useRef(fmt);
  fmtRef.current = fmt;
  const dark = useDark();
  const shape = series.map((s) => `${s.label}|${s.color}|${s.dash ? 1 : 0}`).join('\n');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const fg = cssVar('--fg-soft');
    const grid = cssVar('--border');
    const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      // From zero: a line between 13 and 14 drawn full height would read as a tenfold change.
      scales: { x: { time: true }, y: { range: (_u, _min, max) => uPlot.rangeNum(0, max > 0 ? max : 1, 0.1, true) } },
      series: [
        {},
        ...series.map((s): uPlot.Series => ({
          label: s.label, stroke: s.color, width: 1.5, dash: s.dash ? [4, 3] : undefined,
          points: { show: false }, spanGaps: false,
          value: (_u, v) => (v === null || v === undefined ? '–' : fmtRef.current(v)),
        })),
      ],
      axes: [axis, { ...axis, size: 64, values: (_u, vals) => vals.map((v) => fmtRef.current(v)) }],
      cursor: { focus: { prox: 24 }, drag: { x: false, y: false }, points: { size: 6 } },
      focus: { alpha: 0.35 },
      legend: { live: true },
      hooks: {
        // When the chart was last drawn: the browser test reads it to time data → pixels.
        draw: [() => performance.mark(`metrics-drawn:${id}`)],
        setSeries: [(_u, i) => { focused.current = i; }],
      },
    };
    const u = new uPlot(opts, [xs, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    plot.current = u;
    made.current = series;
    // A click on the plot area picks the bucket under the cursor and the focused line.
    const onClick = (e: MouseEvent) => {
      // From the click itself: the cursor's own index may not have caught up with the last move.
      const left = e.clientX - u.over.getBoundingClientRect().left;
      const idx = u.posToIdx(left);
      if (!(idx >= 0 && idx < u.data[0].length)) return;
      const f = focused.current;
      pick.current({ index: idx, series: f !== null && f > 0 ? f - 1 : null });
    };
    u.over.addEventListener('click', onClick);
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.over.removeEventListener('click', onClick);
      u.destroy();
      plot.current = null;
    };
    // The instance is rebuilt only when the series, size or theme change; data goes through setData below.
  }, [shape, dark, height, id]);

  useEffect(() => {
    // An instance just made (above) already holds this data.
    if (made.current === series) return;
    made.current = series;
    plot.current?.setData([xs, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [xs, series]);

  return <div ref={box} className="mx-plot" data-testid={`chart-${id}`} />;
}
