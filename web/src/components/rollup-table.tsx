// A virtualised table of rollup rows (sessions, users, a user's traces): fixed row height, one
// grid template for the header and the rows, each row a link, and the next page asked for as the
// end comes into view. The trace list has its own (live arrivals, selection, keyboard).
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { linkClick } from '../lib/router';
import './rollup.css';

export const ROLLUP_ROW = 32;

export interface Column<T> {
  head: string;
  cell: (row: T) => React.ReactNode;
  className?: string;
}

interface Props<T> {
  rows: T[];
  columns: Column<T>[];
  /** grid-template-columns shared by the header and the rows. */
  grid: string;
  rowKey: (row: T) => string;
  rowHref: (row: T) => string;
  label: string;
  testId: string;
  hasMore: boolean;
  loadingMore: boolean;
  onEndReached: () => void;
  /** The table takes the page's remaining height, or sizes to its rows up to this many px. */
  maxHeight?: number;
}

export function RollupTable<T>({ rows, columns, grid, rowKey, rowHref, label, testId, hasMore, loadingMore, onEndReached, maxHeight }: Props<T>) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROLLUP_ROW, overscan: 12 });
  const items = virtual.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - 10) onEndReached();
  }, [lastIndex, rows.length, hasMore, loadingMore, onEndReached]);
  const style = { '--rollup-grid': grid } as React.CSSProperties;
  const bodyStyle = maxHeight ? { maxHeight, height: Math.min(maxHeight, rows.length * ROLLUP_ROW + (hasMore ? 30 : 2)), flex: 'none' } : undefined;
  return (
    <div className={`table rollup-table${maxHeight ? ' sized' : ''}`} role="table" aria-label={label} style={style}>
      <div className="tr th" role="row">
        {columns.map((c) => <div key={c.head} role="columnheader" className={c.className}>{c.head}</div>)}
      </div>
      <div className="tbody" ref={scroller} data-testid={testId} style={bodyStyle}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((it) => {
            const r = rows[it.index];
            return (
              <a key={rowKey(r)} href={rowHref(r)} onClick={linkClick} className="tr" role="row" data-testid={`${testId}-row`} data-id={rowKey(r)}
                style={{ transform: `translateY(${it.start}px)`, height: ROLLUP_ROW }}>
                {columns.map((c) => <div key={c.head} role="cell" className={c.className}>{c.cell(r)}</div>)}
              </a>
            );
          })}
        </div>
        {hasMore && <div className="faint loading-more">{loadingMore ? 'Loading more…' : ''}</div>}
      </div>
    </div>
  );
}
