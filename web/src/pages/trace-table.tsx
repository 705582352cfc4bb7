// The trace list's rows: virtualised (only what is on screen is in the DOM), fixed row height,
// one grid template for the header and the rows, and a sentinel that asks for the next page.
import { useVirtualizer } from '@tanstack/react-virtual';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { ScoreChips } from '../components/chips';
import { NestedLink } from '../components/id-link';
import { sessionHref, userHref } from '../lib/links';
import { fmtCost, fmtDuration, fmtTime, fmtTokens } from '../lib/format';
import { linkClick } from '../lib/router';
import type { TraceRow } from '../lib/types';

export const ROW_HEIGHT = 32;

const COLUMNS = ['Time', 'Name', 'Status', 'Duration', 'Spans', 'Tokens', 'Cost', 'User', 'Session', 'Env', 'Tags', 'Models', 'Scores'];

export interface TraceTableHandle {
  scrollBy(px: number): void;
  scrollTop(): number;
  scrollToIndex(i: number): void;
}

interface Props {
  rows: TraceRow[];
  stale: boolean;
  /** Where the list was scrolled when the reader left it (px), restored on return. */
  initialOffset: number;
  onScrolled: (offset: number) => void;
  selected: number;
  fresh: Set<string>;
  onSelect: (i: number) => void;
  onEndReached: () => void;
  hasMore: boolean;
  loadingMore: boolean;
}

export const TraceTable = forwardRef<TraceTableHandle, Props>(function TraceTable({ rows, stale, initialOffset, onScrolled, selected, fresh, onSelect, onEndReached, hasMore, loadingMore }, ref) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12,
    initialOffset, onChange: (v) => onScrolled(v.scrollOffset ?? 0),
  });
  useImperativeHandle(ref, () => ({
    scrollBy: (px) => { if (scroller.current) scroller.current.scrollTop += px; },
    scrollTop: () => scroller.current?.scrollTop ?? 0,
    scrollToIndex: (i) => virtual.scrollToIndex(i, { align: 'auto' }),
  }), [virtual]);

  const items = virtual.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - 10) onEndReached();
  }, [lastIndex, rows.length, hasMore, loadingMore, onEndReached]);

  return (
    <div className={`table${stale ? ' stale' : ''}`} role="table" aria-label="traces" aria-busy={stale}>
      <div className="tr th" role="row">
        {COLUMNS.map((c) => <div key={c} role="columnheader">{c}</div>)}
      </div>
      <div className="tbody" ref={scroller} data-testid="trace-rows">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {items.map((it) => {
            const t = rows[it.index];
            return (
              <a
                key={t.id}
                href={`/traces/${encodeURIComponent(t.id)}`}
                onClick={(e) => { onSelect(it.index); linkClick(e); }}
                className={`tr${it.index === selected ? ' selected' : ''}${fresh.has(t.id) ? ' fresh' : ''}`}
                role="row"
                data-testid="trace-row"
                data-trace-id={t.id}
                style={{ transform: `translateY(${it.start}px)`, height: ROW_HEIGHT }}
              >
                <div role="cell" title={t.startTime} className="mono muted">{fmtTime(t.startTime)}</div>
                <div role="cell" className="name" title={t.name ?? t.id}>{t.name ?? <span className="faint">{t.id.slice(0, 12)}</span>}</div>
                <div role="cell"><span className={`status status-${t.status}`}>● {t.status}</span></div>
                <div role="cell" className="num">{fmtDuration(t.durationMs)}</div>
                <div role="cell" className="num">{t.spanCount}{t.errorCount > 0 && <span className="status-error" title={`${t.errorCount} spans in error`}> ({t.errorCount}✕)</span>}</div>
                <div role="cell" className="num" title={`${t.inputTokens} in / ${t.outputTokens} out`}>{fmtTokens(t.totalTokens)}</div>
                <div role="cell" className="num">{fmtCost(t.costUsd)}</div>
                <div role="cell" className="ellipsis" title={t.userId ?? ''}><NestedLink href={userHref(t.userId ?? '')} id={t.userId} testId="row-user" /></div>
                <div role="cell" className="ellipsis" title={t.sessionId ?? ''}><NestedLink href={sessionHref(t.sessionId ?? '')} id={t.sessionId} testId="row-session" /></div>
                <div role="cell" className="ellipsis">{t.environment ?? <span className="faint">–</span>}</div>
                <div role="cell" className="ellipsis" title={t.tags.join(', ')}>{t.tags.length ? t.tags.map((g) => <span key={g} className="badge">{g}</span>) : <span className="faint">–</span>}</div>
                <div role="cell" className="ellipsis" title={(t.models ?? []).join(', ')}>{t.models?.length ? t.models.join(', ') : <span className="faint">–</span>}</div>
                <div role="cell" className="ellipsis"><ScoreChips scores={t.scores ?? []} max={1} /></div>
              </a>
            );
          })}
        </div>
        {hasMore && <div className="faint loading-more">{loadingMore ? 'Loading more…' : ''}</div>}
      </div>
    </div>
  );
});
