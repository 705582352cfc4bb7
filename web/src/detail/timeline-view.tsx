// The timeline: the tree's rows against one time axis (a waterfall). Drag across the axis or
// the bars to zoom into a range; the critical path (what the trace's end waited on) is marked.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, useState } from 'react';
import { KindIcon } from '../components/kind';
import { fmtDuration } from '../lib/format';
import { useRangeZoom } from './range-zoom';
import { Toggle, useScrollToSelected } from './tree-view';
import { rowClass, SPAN_ROW, type ViewProps } from './view-props';

/** Tick step (ms) giving about `want` ticks over `span` ms: 1, 2 or 5 times a power of ten. */
export function tickStep(span: number, want = 6): number {
  const raw = span / want;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** A bar's duration goes after it, or before it when the bar reaches the lane's right end. */
function durationPlace(left: number, right: number): React.CSSProperties {
  if (right < 86) return { left: `calc(${right}% + 4px)` };
  if (left > 14) return { right: `calc(${100 - left}% + 4px)` };
  return { right: 4, color: 'var(--kind-fg)' };
}

export function TimelineView(p: ViewProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: p.rows.length, getScrollElement: () => scroller.current, estimateSize: () => SPAN_ROW, overscan: 20 });
  useScrollToSelected(p, virtual.scrollToIndex);
  const total = p.tree.total || 1;
  const zoom = useRangeZoom();
  const [showCritical, setShowCritical] = useState(true);
  const z0 = zoom.a * total;
  const z1 = zoom.b * total;
  const width = z1 - z0 || 1;
  const pct = (t: number) => ((t - z0) / width) * 100;

  const step = tickStep(width);
  const ticks: number[] = [];
  for (let t = Math.ceil(z0 / step) * step; t <= z1; t += step) ticks.push(t);

  return (
    <div className="timeline" data-testid="timeline-view">
      <div className="timeline-bar">
        <button className="btn small" onClick={() => zoom.zoomBy(0.5)} aria-label="zoom in" title="zoom in">+</button>
        <button className="btn small" onClick={() => zoom.zoomBy(2)} aria-label="zoom out" title="zoom out">-</button>
        <button className="btn small" onClick={zoom.reset} disabled={!zoom.zoomed} data-testid="zoom-reset">Reset zoom</button>
        <span className="faint">{zoom.zoomed ? `${fmtDuration(z0)} – ${fmtDuration(z1)}` : 'drag across the bars to zoom'}</span>
        <span className="spacer" />
        <label className="faint"><input type="checkbox" checked={showCritical} onChange={(e) => setShowCritical(e.target.checked)} /> critical path</label>
      </div>
      <div className="timeline-head">
        <div className="tl-label faint">span</div>
        <div className="tl-axis" aria-hidden>
          {ticks.map((t) => <span key={t} style={{ left: `${pct(t)}%`, transform: pct(t) < 4 ? 'none' : undefined }}>{t === 0 ? '0' : fmtDuration(t)}</span>)}
        </div>
      </div>
      {zoom.overlay}
      <div className="span-scroll" ref={scroller} onMouseMove={zoom.onMouseMove} onMouseUp={zoom.onMouseUp} onMouseLeave={zoom.onMouseLeave}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          <div className="tl-grid" aria-hidden>
            {ticks.map((t) => <span key={t} style={{ left: `${pct(t)}%` }} />)}
          </div>
          {virtual.getVirtualItems().map((it) => {
            const n = p.rows[it.index];
            const folded = p.collapsed.has(n.span.id) && n.children.length > 0;
            const left = pct(n.start);
            const right = pct(n.end);
            // The part of the bar inside the zoomed range, in % of the lane.
            const l = Math.max(left, 0);
            const visible = right > 0 && left < 100;
            const critical = showCritical && p.tree.critical.has(n.span.id);
            return (
              <div key={n.span.id} className={`${rowClass(n, p)} tl-row`} data-testid="timeline-row" data-span-id={n.span.id}
                style={{ transform: `translateY(${it.start}px)`, height: SPAN_ROW }} onClick={() => p.onSelect(n.span.id)}>
                <div className="tl-label" style={{ paddingLeft: 4 + Math.min(n.depth, 24) * 10 }}>
                  <Toggle node={n} folded={folded} toggle={p.toggle} />
                  <KindIcon kind={n.span.kind} />
                  <span className="span-name" title={n.span.name ?? n.span.id}>{n.span.name ?? n.span.id}</span>
                </div>
                <div className="tl-lane" onMouseDown={zoom.onMouseDown}>
                  {visible && (
                    <>
                      <span className={`tl-bar${critical ? ' critical' : ''}`} data-critical={critical || undefined}
                        style={{ left: `${l}%`, width: `max(2px, ${Math.min(right, 100) - l}%)` }} />
                      <span className="tl-dur faint" style={durationPlace(l, Math.min(right, 100))}>{fmtDuration(n.span.durationMs)}</span>
                    </>
                  )}
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
