// The flame view (layout in flame-layout.ts), coloured by kind or by cost; drag across to zoom
// into a range, double-click to zoom into a span. The boxes are drawn by a memoised component, so
// a drag's every mouse move redraws the overlay, not 5,000 boxes.
import { memo, useCallback, useMemo, useState } from 'react';
import { fmtCost, fmtDuration } from '../lib/format';
import { flameLayout, type Box } from './flame-layout';
import { useRangeZoom } from './range-zoom';
import type { ViewProps } from './view-props';

const ROW = 22;

export function FlameView(p: ViewProps) {
  const boxes = useMemo(() => flameLayout(p.tree), [p.tree]);
  const [colour, setColour] = useState<'kind' | 'cost'>('kind');
  // Double-click zooms into a span (its depth becomes the top); a drag zooms into a range.
  const [focus, setFocus] = useState<Box | null>(null);
  const zoom = useRangeZoom();
  const { set: setRange, reset: resetRange } = zoom;
  const maxCost = useMemo(() => boxes.reduce((m, b) => Math.max(m, b.node.span.costUsd ?? 0), 0), [boxes]);
  const z0 = zoom.a;
  const zw = zoom.b - zoom.a || 1;
  const minDepth = focus?.node.depth ?? 0;
  const zoomInto = useCallback((b: Box) => { setFocus(b); setRange(b.x, b.x + b.w); }, [setRange]);
  const reset = () => { setFocus(null); resetRange(); };
  const shown = useMemo(() => boxes.filter((b) => b.node.depth >= minDepth && b.x + b.w > z0 && b.x < z0 + zw && b.w / zw > 0.0001), [boxes, minDepth, z0, zw]);

  return (
    <div className="flame" data-testid="flame-view">
      <div className="timeline-bar">
        <span className="faint">colour by</span>
        <button className={`btn small${colour === 'kind' ? ' active' : ''}`} onClick={() => setColour('kind')}>kind</button>
        <button className={`btn small${colour === 'cost' ? ' active' : ''}`} onClick={() => setColour('cost')} data-testid="flame-by-cost">cost</button>
        <button className="btn small" disabled={!zoom.zoomed && !focus} onClick={reset} data-testid="flame-reset">Reset zoom</button>
        <span className="faint" title="Drag across to zoom into a range; double-click a span to zoom into it">
          {focus ? `zoomed into ${focus.node.span.name ?? focus.node.span.id}` : zoom.zoomed ? 'zoomed into a range' : 'drag to zoom, double-click a span'}
        </span>
      </div>
      {zoom.overlay}
      <div className="flame-scroll" onMouseMove={zoom.onMouseMove} onMouseUp={zoom.onMouseUp} onMouseLeave={zoom.onMouseLeave}>
        <div onMouseDown={zoom.onMouseDown} className="flame-canvas" style={{ height: (p.tree.maxDepth - minDepth + 1) * ROW + 4 }}>
          <FlameBoxes shown={shown} z0={z0} zw={zw} minDepth={minDepth} colour={colour} maxCost={maxCost} selectedId={p.selectedId} matches={p.matches} onSelect={p.onSelect} onZoom={zoomInto} />
        </div>
      </div>
    </div>
  );
}

interface BoxesProps {
  shown: Box[];
  z0: number;
  zw: number;
  minDepth: number;
  colour: 'kind' | 'cost';
  maxCost: number;
  selectedId: string | null;
  matches: Set<string> | null;
  onSelect: (id: string) => void;
  onZoom: (b: Box) => void;
}

const FlameBoxes = memo(function FlameBoxes({ shown, z0, zw, minDepth, colour, maxCost, selectedId, matches, onSelect, onZoom }: BoxesProps) {
  return (
    <>
      {shown.map((b) => {
        const s = b.node.span;
        const left = ((b.x - z0) / zw) * 100;
        const width = (b.w / zw) * 100;
        const heat = maxCost > 0 ? (s.costUsd ?? 0) / maxCost : 0;
        const style: React.CSSProperties = {
          left: `${Math.max(left, 0)}%`, width: `max(1px, ${Math.min(width + Math.min(left, 0), 100 - Math.max(left, 0))}%)`,
          top: (b.node.depth - minDepth) * ROW,
        };
        if (colour === 'cost') style.background = heat > 0 ? `hsl(${40 - heat * 40} 90% ${60 - heat * 15}%)` : 'var(--bg-hover)';
        const cls = `flame-box kind-${s.kind}${s.id === selectedId ? ' selected' : ''}${s.status === 'error' ? ' error' : ''}${matches ? (matches.has(s.id) ? ' match' : ' dim') : ''}${colour === 'cost' ? ' by-cost' : ''}${width < 0.6 ? ' thin' : ''}`;
        return (
          <div key={s.id} className={cls} style={style} data-testid="flame-box" data-span-id={s.id}
            title={`${s.name ?? s.id} · ${s.kind} · ${fmtDuration(s.durationMs)}${s.costUsd ? ` · ${fmtCost(s.costUsd)}` : ''}`}
            onClick={() => onSelect(s.id)} onDoubleClick={() => onZoom(b)}>
            {s.name ?? s.id}
          </div>
        );
      })}
    </>
  );
});
