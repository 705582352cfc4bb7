// The flame view: width is duration, depth is nesting. Children that ran one after another keep
// their place in time; children that ran in parallel are laid side by side inside their parent,
// each as wide as its duration allows. Coloured by kind or by cost; drag across to zoom into a
// range, double-click to zoom into a span.
import { useMemo, useState } from 'react';
import { fmtCost, fmtDuration } from '../lib/format';
import type { SpanNode, SpanTree } from './span-tree';
import { useRangeZoom } from './range-zoom';
import type { ViewProps } from './view-props';

const ROW = 22;

interface Box {
  node: SpanNode;
  x: number;
  w: number;
}

/** Boxes as fractions of the root's width (0..1), depth from the node's depth. */
export function flameLayout(tree: SpanTree): Box[] {
  const boxes: Box[] = [];
  const total = tree.total || 1;
  const stack: Box[] = tree.roots.map((r) => ({ node: r, x: r.start / total, w: Math.max(r.end - r.start, 0) / total }));
  while (stack.length) {
    const b = stack.pop()!;
    boxes.push(b);
    const kids = b.node.children;
    if (!kids.length) continue;
    const dur = Math.max(b.node.end - b.node.start, 1e-9);
    let overlap = false;
    for (let i = 1; i < kids.length; i++) if (kids[i].start < kids[i - 1].end - 1e-6) overlap = true;
    if (!overlap) {
      for (const c of kids) stack.push({ node: c, x: b.x + ((c.start - b.node.start) / dur) * b.w, w: ((c.end - c.start) / dur) * b.w });
    } else {
      const sum = kids.reduce((a, c) => a + (c.end - c.start), 0);
      const scale = b.w / Math.max(sum, dur);
      let x = b.x;
      for (const c of kids) {
        const w = (c.end - c.start) * scale;
        stack.push({ node: c, x, w });
        x += w;
      }
    }
  }
  return boxes;
}

export function FlameView(p: ViewProps) {
  const boxes = useMemo(() => flameLayout(p.tree), [p.tree]);
  const [colour, setColour] = useState<'kind' | 'cost'>('kind');
  // Double-click zooms into a span (its depth becomes the top); a drag zooms into a range.
  const [focus, setFocus] = useState<Box | null>(null);
  const zoom = useRangeZoom();
  const maxCost = useMemo(() => boxes.reduce((m, b) => Math.max(m, b.node.span.costUsd ?? 0), 0), [boxes]);
  const z0 = zoom.a;
  const zw = zoom.b - zoom.a || 1;
  const minDepth = focus?.node.depth ?? 0;
  const zoomInto = (b: Box) => { setFocus(b); zoom.set(b.x, b.x + b.w); };
  const reset = () => { setFocus(null); zoom.reset(); };
  const shown = boxes.filter((b) => b.node.depth >= minDepth && b.x + b.w > z0 && b.x < z0 + zw && b.w / zw > 0.0001);

  return (
    <div className="flame" data-testid="flame-view">
      <div className="timeline-bar">
        <span className="faint">colour by</span>
        <button className={`btn small${colour === 'kind' ? ' active' : ''}`} onClick={() => setColour('kind')}>kind</button>
        <button className={`btn small${colour === 'cost' ? ' active' : ''}`} onClick={() => setColour('cost')} data-testid="flame-by-cost">cost</button>
        <button className="btn small" disabled={!zoom.zoomed && !focus} onClick={reset} data-testid="flame-reset">Reset zoom</button>
        <span className="faint">{focus ? `zoomed into ${focus.node.span.name ?? focus.node.span.id}` : zoom.zoomed ? 'zoomed into a range' : 'drag across to zoom into a range, double-click a span to zoom into it'}</span>
      </div>
      {zoom.overlay}
      <div className="flame-scroll" onMouseMove={zoom.onMouseMove} onMouseUp={zoom.onMouseUp} onMouseLeave={zoom.onMouseLeave}>
        <div onMouseDown={zoom.onMouseDown} className="flame-canvas" style={{ height: (p.tree.maxDepth - minDepth + 1) * ROW + 4 }}>
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
            const cls = `flame-box kind-${s.kind}${s.id === p.selectedId ? ' selected' : ''}${s.status === 'error' ? ' error' : ''}${p.matches ? (p.matches.has(s.id) ? ' match' : ' dim') : ''}${colour === 'cost' ? ' by-cost' : ''}${width < 0.6 ? ' thin' : ''}`;
            return (
              <div key={s.id} className={cls} style={style} data-testid="flame-box" data-span-id={s.id}
                title={`${s.name ?? s.id} · ${s.kind} · ${fmtDuration(s.durationMs)}${s.costUsd ? ` · ${fmtCost(s.costUsd)}` : ''}`}
                onClick={() => p.onSelect(s.id)} onDoubleClick={() => zoomInto(b)}>
                {s.name ?? s.id}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
