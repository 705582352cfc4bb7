// The rows of one list URL: the loaded pages plus live arrivals on top, the selected trace (by id,
// so arrivals never move it), the keyboard, and the place kept for "back": scroll offset,
// selection and what had arrived.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { errorText } from '../lib/api';
import { useKeys } from '../lib/keys';
import { navigate } from '../lib/router';
import type { TraceRow } from '../lib/types';
import { useLiveArrivals } from './live-arrivals';
import { ROW_HEIGHT, TraceTable, type TraceTableHandle } from './trace-table';

interface Place {
  offset: number;
  selectedId: string | null;
  arrived: TraceRow[];
}

/** The place per list URL, for the session of the page. */
const places = new Map<string, Place>();

interface Props {
  params: URLSearchParams;
  paramsKey: string;
  live: boolean;
  /** The rows are the last URL's, shown while this one's load. */
  stale: boolean;
  loaded: TraceRow[];
  hasMore: boolean;
  loadingMore: boolean;
  fetchNext: () => void;
  searchRef: React.RefObject<HTMLInputElement | null>;
  /** What to show while no trace is listed. */
  empty: React.ReactNode;
}

export function TraceResults({ params, paramsKey, live, stale, loaded, hasMore, loadingMore, fetchNext, searchRef, empty }: Props) {
  const place = useMemo<Place>(() => places.get(paramsKey) ?? { offset: 0, selectedId: null, arrived: [] }, [paramsKey]);
  const loadedIds = useMemo(() => new Set(loaded.map((t) => t.id)), [loaded]);
  const { arrived, arrivedIds, updated, gap, error } = useLiveArrivals(params, paramsKey, live, loadedIds, place.arrived);

  const rows = useMemo(() => {
    const out: TraceRow[] = [];
    for (const t of arrived) if (!loadedIds.has(t.id)) out.push(updated.get(t.id) ?? t);
    for (const t of loaded) out.push(updated.get(t.id) ?? t);
    return out;
  }, [arrived, loaded, loadedIds, updated]);

  // Rows put on top while the reader is scrolled down push the view by as much, so what is on
  // screen stays where it is.
  const table = useRef<TraceTableHandle>(null);
  const shownArrived = useRef(arrived.length);
  useLayoutEffect(() => {
    const added = arrived.length - shownArrived.current;
    shownArrived.current = arrived.length;
    if (added > 0 && table.current && table.current.scrollTop() > 0) table.current.scrollBy(added * ROW_HEIGHT);
  }, [arrived]);

  // The place is written as it changes, not after a render: a click on a row selects it and leaves
  // the page in one go.
  const remember = useCallback((patch: Partial<Place>) => {
    places.set(paramsKey, { ...(places.get(paramsKey) ?? place), ...patch });
  }, [paramsKey, place]);
  const [selectedId, setSelectedIdState] = useState<string | null>(place.selectedId);
  // The offset is read here too: a scroll's event comes a frame after the scroll, and a click
  // that leaves the page can come first.
  const offsetNow = () => table.current?.scrollTop() ?? place.offset;
  const setSelectedId = (id: string) => {
    setSelectedIdState(id);
    remember({ selectedId: id, offset: offsetNow() });
  };
  const selected = useMemo(() => (selectedId === null ? -1 : rows.findIndex((t) => t.id === selectedId)), [rows, selectedId]);
  useEffect(() => remember({ arrived }), [arrived, remember]);
  const onScrolled = useCallback((offset: number) => remember({ offset }), [remember]);

  const move = (d: number) => {
    if (!rows.length) return;
    const i = Math.min(rows.length - 1, Math.max(0, selected === -1 ? 0 : selected + d));
    setSelectedId(rows[i].id);
    table.current?.scrollToIndex(i);
  };
  useKeys({
    '/': () => searchRef.current?.focus(),
    j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    Enter: () => {
      if (selected === -1) return;
      remember({ offset: offsetNow() });
      navigate(`/traces/${encodeURIComponent(rows[selected].id)}`);
    },
  });

  return (
    <>
      <div className={`list-status${stale ? ' stale' : ''}`} data-testid="list-status">
        <span className="faint" data-testid="count">{rows.length.toLocaleString()}{hasMore ? '+' : ''} trace{rows.length === 1 && !hasMore ? '' : 's'}</span>
        {arrived.length > 0 && <span className="faint">· {arrived.length} arrived live</span>}
        {gap && (
          <span className="warn" data-testid="live-gap">
            · more traces arrived than live updates could follow: <button className="btn small" onClick={() => window.location.reload()}>reload</button>
          </span>
        )}
        {error != null && <span className="status-error">· live updates stopped: {errorText(error)}</span>}
        {stale && <span className="faint">· loading…</span>}
      </div>
      {rows.length === 0 ? (
        empty
      ) : (
        <TraceTable ref={table} stale={stale} rows={rows} initialOffset={place.offset} onScrolled={onScrolled} selected={selected} fresh={arrivedIds}
          onSelect={(i) => setSelectedId(rows[i].id)} onEndReached={fetchNext} hasMore={hasMore} loadingMore={loadingMore} />
      )}
    </>
  );
}
