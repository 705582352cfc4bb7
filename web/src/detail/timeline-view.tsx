// The timeline: the tree's rows against one time axis (a waterfall). Drag across the axis or
// the bars to zoom into a range; the critical path (what the trace's end waited on) is marked.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef, useState } from 'react';
import { KindIcon } from '../components/kind';
import { fmtDuration } from '../lib/format';
import { Toggle, useScrollToSelected } from './tree-view';
import { rowClass, SPAN_ROW, type ViewProps } from './view-props';

/** Tick step (ms) giving about `want` ticks over `span` ms: 1, 2 or 5 times a power of ten. */
export function tickStep(span: number, want = 6): number {
  const raw = span / want;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

export function TimelineView(p: ViewProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: p.rows.length, getScrollElement: () => scroller.current, estimateSize: () => SPAN_ROW, overscan: 20 });
  useScrollToSelected(p, virtual.scrollToIndex);
  const total = p.tree.total || 1;
  const [zoom, setZoom] = useState<[number, number]>([0, total]);
  const [showCritical, setShowCritical] = useState(true);
  // The lane's box is taken when a drag starts: rows come and go as the list scrolls.
  const [drag, setDrag] = useState<{ x0: number; x1: number; left: number; width: number } | null>(null);
  const [z0, z1] = zoom;
  const width = z1 - z0 || 1;
  const pct = (t: number) => ((t - z0) / width) * 100;

  const at = (clientX: number, box: { left: number; width: number }) => Math.min(1, Math.max(0, (clientX - box.left) / box.width));
  const onDown = (e: React.MouseEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    const r = e.currentTarget.getBoundingClientRect();
    const f = at(e.clientX, r);
    setDrag({ x0: f, x1: f, left: r.left, width: r.width });
  };
  const onMove = (e: React.MouseEvent) => { if (drag) setDrag({ ...drag, x1: at(e.clientX, drag) }); };
  const onUp = () => {
    if (drag && Math.abs(drag.x1 - drag.x0) > 0.01) {
      const a = z0 + Math.min(drag.x0, drag.x1) * width;
      const b = z0 + Math.max(drag.x0, drag.x1) * width;
      setZoom([a, b]);
    }
    setDrag(null);
  };
  const zoomBy = (factor: number) => {
    const mid = (z0 + z1) / 2;
    const half = Math.min(total, (width * factor) / 2);
    const a = Math.max(0, mid - half);
    setZoom([a, Math.min(total, a + half * 2)]);
  };

  const step = tickStep(width);
  const ticks: number[] = [];
  for (let t = Math.ceil(z0 / step) * step; t <= z1; t += step) ticks.push(t);

  return (
    <div className="timeline" data-testid="timeline-view">
      <div className="timeline-bar">
        <button className="btn small" onClick={() => zoomBy(0.5)} aria-label="zoom in" title="zoom in">+</button>
        <button className="btn small" onClick={() => zoomBy(2)} aria-label="zoom out" title="zoom out">-</button>
        <button className="btn small" onClick={() => setZoom([0, total])} disabled={z0 === 0 && z1 === total} data-testid="zoom-reset">Reset zoom</button>
        <span className="faint">{z0 === 0 && z1 === total ? 'drag across the bars to zoom' : `${fmtDuration(z0)} – ${fmtDuration(z1)}`}</span>
        <span className="spacer" />
        <label className="faint"><input type="checkbox" checked={showCritical} onChange={(e) => setShowCritical(e.target.checked)} /> critical path</label>
      </div>
      <div className="timeline-head">
        <div className="tl-label faint">span</div>
        <div className="tl-axis" aria-hidden>
          {ticks.map((t) => <span key={t} style={{ left: `${pct(t)}%` }}>{t === 0 ? '0' : fmtDuration(t)}</span>)}
        </div>
      </div>
      {drag && (
        <div className="tl-drag" style={{ left: drag.left + Math.min(drag.x0, drag.x1) * drag.width, width: Math.abs(drag.x1 - drag.x0) * drag.width }} />
      )}
      <div className="span-scroll" ref={scroller} onMouseMove={onMove} onMouseUp={onUp} onMouseLeave={() => setDrag(null)}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          <div className="tl-grid" aria-hidden>
            {ticks.map((t) => <span key={t} style={{ left: `${pct(t)}%` }} />)}
          </div>
          {virtual.getVirtualItems().map((it) => {
            const n = p.rows[it.index];
            const folded = p.collapsed.has(n.span.id) && n.children.length > 0;
            const left = pct(n.start);
            const w = ((n.end - n.start) / width) * 100;
            const critical = showCritical && p.tree.critical.has(n.span.id);
            return (
              <div key={n.span.id} className={`${rowClass(n, p)} tl-row`} data-testid="timeline-row" data-span-id={n.span.id}
                style={{ transform: `translateY(${it.start}px)`, height: SPAN_ROW }} onClick={() => p.onSelect(n.span.id)}>
                <div className="tl-label" style={{ paddingLeft: 4 + Math.min(n.depth, 24) * 10 }}>
                  <Toggle node={n} folded={folded} toggle={p.toggle} />
                  <KindIcon kind={n.span.kind} />
                  <span className="span-name" title={n.span.name ?? n.span.id}>{n.span.name ?? n.span.id}</span>
                </div>
                <div className="tl-lane" onMouseDown={onDown}>
                  {left < 100 && left + w > 0 && (
                    <span className={`tl-bar${critical ? ' critical' : ''}`} data-critical={critical || undefined}
                      style={{ left: `${Math.max(left, 0)}%`, width: `max(2px, ${Math.min(w, 100 - Math.max(left, 0))}%)` }}>
                    </span>
                  )}
                  <span className="tl-dur faint" style={{ left: `min(calc(${Math.max(left + w, 0)}% + 4px), calc(100% - 60px))` }}>{fmtDuration(n.span.durationMs)}</span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
