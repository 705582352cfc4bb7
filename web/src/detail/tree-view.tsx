// The span tree: virtualised rows with kind icons, a duration bar on the trace's time axis,
// tokens and cost; a collapsed node shows what its subtree holds.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { KindIcon } from '../components/kind';
import { fmtCost, fmtDuration, fmtTokens } from '../lib/format';
import { rollsUpUsage, spanTokens, type SpanNode } from './span-tree';
import { rowClass, SPAN_ROW, type ViewProps } from './view-props';

export function TreeView(p: ViewProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: p.rows.length, getScrollElement: () => scroller.current, estimateSize: () => SPAN_ROW, overscan: 20 });
  useScrollToSelected(p, virtual.scrollToIndex);
  const total = p.tree.total || 1;
  return (
    <div className="span-scroll" ref={scroller} data-testid="tree-view" role="tree">
      <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
        {virtual.getVirtualItems().map((it) => {
          const n = p.rows[it.index];
          const folded = p.collapsed.has(n.span.id) && n.children.length > 0;
          const tokens = folded ? n.subtreeTokens : rollsUpUsage(n.span.kind) ? spanTokens(n.span) : 0;
          const cost = folded ? n.subtreeCost : n.span.costUsd;
          return (
            <div
              key={n.span.id} className={rowClass(n, p)} role="treeitem" aria-level={n.depth + 1} aria-selected={n.span.id === p.selectedId} aria-expanded={n.children.length ? !folded : undefined}
              data-testid="span-row" data-span-id={n.span.id}
              style={{ transform: `translateY(${it.start}px)`, height: SPAN_ROW }}
              onClick={() => p.onSelect(n.span.id)}
            >
              <div className="tree-label" style={{ paddingLeft: 4 + Math.min(n.depth, 40) * 14 }}>
                <Toggle node={n} folded={folded} toggle={p.toggle} />
                <KindIcon kind={n.span.kind} />
                <span className="span-name" title={n.span.name ?? n.span.id}>{n.span.name ?? n.span.id}</span>
                {n.span.status === 'error' && <span className="status-error" title={n.span.error ?? 'error'}>✕</span>}
                {folded && <span className="badge" title="spans under this one">+{n.subtreeSize - 1}{n.subtreeErrors ? ` · ${n.subtreeErrors}✕` : ''}</span>}
                {n.span.model && <span className="faint model">{n.span.model}</span>}
              </div>
              <div className="mini-bar" aria-hidden>
                <span style={{ left: `${(n.start / total) * 100}%`, width: `max(2px, ${((n.end - n.start) / total) * 100}%)` }} />
              </div>
              <div className="num">{fmtDuration(n.span.durationMs)}</div>
              <div className="num" title={folded ? 'tokens of the subtree' : 'tokens'}>{tokens ? `${folded ? 'Σ ' : ''}${fmtTokens(tokens)}` : ''}</div>
              <div className="num" title={folded ? 'cost of the subtree' : 'cost'}>{cost ? `${folded ? 'Σ ' : ''}${fmtCost(cost)}` : ''}</div>
            </div>
          );
        })}
      </div>
    </div>
  );
}

export function Toggle({ node, folded, toggle }: { node: SpanNode; folded: boolean; toggle: (id: string) => void }) {
  if (!node.children.length) return <span className="toggle" />;
  return (
    <button className="toggle" aria-label={folded ? 'expand' : 'collapse'} data-testid="toggle"
      onClick={(e) => { e.stopPropagation(); toggle(node.span.id); }}>
      {folded ? '▸' : '▾'}
    </button>
  );
}

/** Keeps the selected row on screen when the selection moves by keyboard or from another view. */
export function useScrollToSelected(p: ViewProps, scrollToIndex: (i: number, o: { align: 'auto' }) => void) {
  useEffect(() => {
    if (!p.selectedId) return;
    const i = p.rows.findIndex((n) => n.span.id === p.selectedId);
    if (i >= 0) scrollToIndex(i, { align: 'auto' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [p.selectedId]);
}
