// The trace list: search, time range, filters and order held in the URL; pages fetched by cursor
// as the reader scrolls; live arrivals polled and put on top without moving what is on screen.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, errorText } from '../lib/api';
import { navigate, useLocation, withParams } from '../lib/router';
import type { Page, TraceRow } from '../lib/types';
import { apiParams, RANGES, setParam } from './list-params';
import { TraceFilters } from './trace-filters';
import { ROW_HEIGHT, TraceTable, type TraceTableHandle } from './trace-table';
import { useKeys } from '../lib/keys';

const PAGE = 100;
const POLL_MS = 3000;
const INCLUDE = 'models,scores';

/** Scroll offset and selected row per list URL, so "back" from a trace returns to the same place. */
const placeByList = new Map<string, { offset: number; selected: number }>();

interface Fetched extends Page<TraceRow> {
  from: string | null;
}

function fetchTraces(url: URLSearchParams, cursor: string | null, from: string | null, limit = PAGE): Promise<Fetched> {
  const q = apiParams(url, Date.now());
  if (from) q.set('from', from);
  if (cursor) q.set('cursor', cursor);
  q.set('limit', String(limit));
  q.set('include', INCLUDE);
  return api<Page<TraceRow>>(`/api/v1/traces?${q}`).then((p) => ({ ...p, from: q.get('from') }));
}

export function TraceListPage() {
  const { path, params } = useLocation();
  const paramsKey = params.toString();
  const setParams = useCallback((next: URLSearchParams) => navigate(withParams(path === '/' ? '/' : '/traces', next), { replace: false }), [path]);
  const live = params.get('live') !== 'off';
  const order = params.get('order') === 'asc' ? 'asc' : 'desc';

  const list = useInfiniteQuery({
    queryKey: ['traces', paramsKey],
    queryFn: ({ pageParam }) => fetchTraces(params, pageParam.cursor, pageParam.from),
    initialPageParam: { cursor: null as string | null, from: null as string | null },
    getNextPageParam: (last) => (last.nextCursor ? { cursor: last.nextCursor, from: last.from } : undefined),
    staleTime: Infinity,
  });
  const loaded = useMemo(() => list.data?.pages.flatMap((p) => p.data) ?? [], [list.data]);

  // Live: the first page of the same query, again and again; what was not listed goes on top.
  const [arrived, setArrived] = useState<TraceRow[]>([]);
  const [updated, setUpdated] = useState<Map<string, TraceRow>>(new Map());
  useEffect(() => { setArrived([]); setUpdated(new Map()); }, [paramsKey]);
  const poll = useQuery({
    queryKey: ['traces-live', paramsKey],
    queryFn: () => fetchTraces(params, null, null, 50),
    enabled: live && order === 'desc' && list.isSuccess,
    refetchInterval: POLL_MS,
    refetchIntervalInBackground: false,
    staleTime: 0,
    gcTime: 0,
  });
  const table = useRef<TraceTableHandle>(null);
  const pendingShift = useRef(0);
  useEffect(() => {
    if (!poll.data) return;
    const known = new Set(loaded.map((t) => t.id));
    for (const t of arrived) known.add(t.id);
    const fresh = poll.data.data.filter((t) => !known.has(t.id));
    if (fresh.length) {
      if (table.current && table.current.scrollTop() > 0) pendingShift.current += fresh.length * ROW_HEIGHT;
      setArrived((a) => [...fresh, ...a]);
    }
    setUpdated(new Map(poll.data.data.map((t) => [t.id, t])));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [poll.data]);
  useLayoutEffect(() => {
    if (pendingShift.current && table.current) {
      table.current.scrollBy(pendingShift.current);
      pendingShift.current = 0;
    }
  }, [arrived]);

  const rows = useMemo(() => {
    const seen = new Set<string>();
    const out: TraceRow[] = [];
    for (const t of [...arrived, ...loaded]) {
      if (seen.has(t.id)) continue;
      seen.add(t.id);
      out.push(updated.get(t.id) ?? t);
    }
    return out;
  }, [arrived, loaded, updated]);
  const freshIds = useMemo(() => new Set(arrived.map((t) => t.id)), [arrived]);

  const place = placeByList.get(paramsKey) ?? { offset: 0, selected: -1 };
  // The selection belongs to one list URL: another URL starts from its own remembered place.
  const [sel, setSel] = useState({ key: paramsKey, i: place.selected });
  const selected = sel.key === paramsKey ? sel.i : place.selected;
  const setSelected = useCallback((next: number | ((i: number) => number)) => setSel((cur) => {
    const base = cur.key === paramsKey ? cur.i : placeByList.get(paramsKey)?.selected ?? -1;
    return { key: paramsKey, i: typeof next === 'function' ? next(base) : next };
  }), [paramsKey]);
  useEffect(() => { placeByList.set(paramsKey, { offset: placeByList.get(paramsKey)?.offset ?? 0, selected }); }, [paramsKey, selected]);
  const onScrolled = useCallback((offset: number) => { placeByList.set(paramsKey, { selected: placeByList.get(paramsKey)?.selected ?? -1, offset }); }, [paramsKey]);
  const search = useRef<HTMLInputElement>(null);
  useKeys({
    '/': () => search.current?.focus(),
    j: () => setSelected((s) => { const n = Math.min(s + 1, rows.length - 1); table.current?.scrollToIndex(n); return n; }),
    ArrowDown: () => setSelected((s) => { const n = Math.min(s + 1, rows.length - 1); table.current?.scrollToIndex(n); return n; }),
    k: () => setSelected((s) => { const n = Math.max(s - 1, 0); table.current?.scrollToIndex(n); return n; }),
    ArrowUp: () => setSelected((s) => { const n = Math.max(s - 1, 0); table.current?.scrollToIndex(n); return n; }),
    Enter: () => { if (rows[selected]) navigate(`/traces/${encodeURIComponent(rows[selected].id)}`); },
  });

  const fetchNext = useCallback(() => { void list.fetchNextPage(); }, [list]);
  const filtersOn = [...params.keys()].some((k) => !['range', 'live', 'order'].includes(k));

  return (
    <div className="list-page">
      <Toolbar params={params} setParams={setParams} live={live} order={order} searchRef={search} count={rows.length} more={list.hasNextPage} />
      <TraceFilters params={params} onChange={setParams} error={list.error} />
      {list.isError && !(list.error instanceof ApiError && (list.error.details as { parameter?: string } | undefined)?.parameter === 'filter') && (
        <div className="error-box" data-testid="list-error" role="alert"><b>The list could not be loaded.</b> {errorText(list.error)}</div>
      )}
      {poll.isError && <div className="error-box">Live updates stopped: {errorText(poll.error)}</div>}
      {list.isPending ? (
        <div className="empty">Loading traces…</div>
      ) : list.isSuccess && rows.length === 0 ? (
        filtersOn || (params.get('range') ?? 'all') !== 'all' ? (
          <div className="empty" data-testid="empty">
            <h2>No trace matches</h2>
            <p>Nothing matches these filters{params.get('range') && params.get('range') !== 'all' ? ' in this time range' : ''}. <a href="/traces" onClick={(e) => { e.preventDefault(); setParams(new URLSearchParams()); }}>Clear all filters</a></p>
          </div>
        ) : (
          <EmptyProject />
        )
      ) : list.isSuccess ? (
        <TraceTable key={paramsKey} ref={table} rows={rows} initialOffset={place.offset} onScrolled={onScrolled} selected={selected} fresh={freshIds} onSelect={setSelected} onEndReached={fetchNext} hasMore={list.hasNextPage} loadingMore={list.isFetchingNextPage} />
      ) : null}
    </div>
  );
}

function Toolbar({ params, setParams, live, order, searchRef, count, more }: {
  params: URLSearchParams; setParams: (p: URLSearchParams) => void; live: boolean; order: 'asc' | 'desc';
  searchRef: React.RefObject<HTMLInputElement | null>; count: number; more: boolean;
}) {
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const range = params.get('from') || params.get('to') ? 'custom' : params.get('range') ?? 'all';
  const [custom, setCustom] = useState(range === 'custom');
  const localInput = (iso: string | null) => (iso ? new Date(new Date(iso).getTime() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16) : '');
  const setTime = (name: 'from' | 'to', local: string) => {
    let next = setParam(params, 'range', null);
    next = setParam(next, name, local ? new Date(local).toISOString() : null);
    setParams(next);
  };
  return (
    <div className="toolbar">
      <input
        ref={searchRef} className="input search" type="search" placeholder="Search names, inputs and outputs  ( / )" aria-label="search" data-testid="search"
        value={text} onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => { if (e.key === 'Enter') setParams(setParam(params, 'q', text)); if (e.key === 'Escape') e.currentTarget.blur(); }}
        onBlur={() => { if (text !== q) setParams(setParam(params, 'q', text)); }}
      />
      <div className="seg" role="group" aria-label="time range">
        {RANGES.map((r) => (
          <button key={r.id} className={`btn small${range === r.id ? ' active' : ''}`} data-testid={`range-${r.id}`}
            onClick={() => { setCustom(false); setParams(setParam(setParam(setParam(params, 'from', null), 'to', null), 'range', r.id === 'all' ? null : r.id)); }}>
            {r.label}
          </button>
        ))}
        <button className={`btn small${range === 'custom' || custom ? ' active' : ''}`} onClick={() => setCustom(true)}>Custom</button>
      </div>
      {(custom || range === 'custom') && (
        <span className="custom-range">
          <input className="input" type="datetime-local" aria-label="from" value={localInput(params.get('from'))} onChange={(e) => setTime('from', e.target.value)} />
          <span className="faint">→</span>
          <input className="input" type="datetime-local" aria-label="to" value={localInput(params.get('to'))} onChange={(e) => setTime('to', e.target.value)} />
        </span>
      )}
      <select className="input" aria-label="order" value={order} onChange={(e) => setParams(setParam(params, 'order', e.target.value === 'asc' ? 'asc' : null))}>
        <option value="desc">Newest first</option>
        <option value="asc">Oldest first</option>
      </select>
      <span className="spacer" />
      <span className="faint" data-testid="count">{count}{more ? '+' : ''} traces</span>
      <button
        className={`btn small${live && order === 'desc' ? ' live' : ''}`} data-testid="live" disabled={order === 'asc'}
        title={order === 'asc' ? 'Live updates follow the newest traces: sort newest first' : live ? 'Pause live updates' : 'Resume live updates'}
        onClick={() => setParams(setParam(params, 'live', live ? 'off' : null))}
      >
        {live && order === 'desc' ? '● Live' : '❚❚ Paused'}
      </button>
    </div>
  );
}

function EmptyProject() {
  const origin = window.location.origin;
  return (
    <div className="empty" data-testid="empty">
      <h2>No traces yet</h2>
      <p>Point any OpenTelemetry SDK (OpenInference, OpenLLMetry, GenAI conventions, Vercel AI SDK) at Loupe:</p>
      <pre>{`export OTEL_EXPORTER_OTLP_ENDPOINT=${origin}\nexport OTEL_EXPORTER_OTLP_HEADERS="x-api-key=<your key>"`}</pre>
      <p>or post the native shape to <code>{origin}/api/v1/ingest</code>, or fill this project with generated agent, RAG and chat traces:</p>
      <pre>{`npx loupe demo --traces 200 --url ${origin} --key <your key>`}</pre>
      <p className="faint">New traces appear here as they arrive.</p>
    </div>
  );
}
