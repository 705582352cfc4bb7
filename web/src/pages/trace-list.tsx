// The trace list page: search, time range, filters and order held in the URL; pages fetched by
// cursor as the reader scrolls (TraceResults shows them with live arrivals on top).
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useRef } from 'react';
import { ApiError, errorText } from '../lib/api';
import { navigate, useLocation, withParams } from '../lib/router';
import { fetchTraces } from './list-fetch';
import { isApiFilter } from './list-params';
import { ListToolbar } from './list-toolbar';
import { TraceFilters } from './trace-filters';
import { TraceResults } from './trace-results';

const isFilterError = (e: unknown) => e instanceof ApiError && (e.details as { parameter?: string } | undefined)?.parameter === 'filter';

export function TraceListPage() {
  const { path, params } = useLocation();
  const paramsKey = params.toString();
  const setParams = useCallback((next: URLSearchParams) => navigate(withParams(path === '/' ? '/' : '/traces', next)), [path]);
  const live = params.get('live') !== 'off';
  const order = params.get('order') === 'asc' ? 'asc' : 'desc';
  const search = useRef<HTMLInputElement>(null);

  const list = useInfiniteQuery({
    queryKey: ['traces', paramsKey],
    queryFn: ({ pageParam }) => fetchTraces(params, pageParam.cursor, pageParam.from),
    initialPageParam: { cursor: null as string | null, from: null as string | null },
    getNextPageParam: (last) => (last.nextCursor ? { cursor: last.nextCursor, from: last.from } : undefined),
    staleTime: Infinity,
    // The last list stays on screen while the next filter's list loads.
    placeholderData: keepPreviousData,
  });
  const fetchNext = useCallback(() => { void list.fetchNextPage(); }, [list]);
  const filtered = [...params.keys()].some((k) => isApiFilter(k) && k !== 'order') || (params.get('range') ?? 'all') !== 'all';
  // While another URL's list loads, the last one stays (dimmed, not live) under its own key.
  const shownKey = useRef(paramsKey);
  if (list.isSuccess && !list.isPlaceholderData) shownKey.current = paramsKey;
  const stale = list.isPlaceholderData;
  const loaded = list.data ? list.data.pages.flatMap((p) => p.data) : [];

  return (
    <div className="list-page">
      <ListToolbar params={params} setParams={setParams} live={live} order={order} searchRef={search} />
      <TraceFilters params={params} onChange={setParams} error={list.error} />
      {list.isError && !isFilterError(list.error) && (
        <div className="error-box" data-testid="list-error" role="alert"><b>The list could not be loaded.</b> {errorText(list.error)}</div>
      )}
      {list.isPending ? (
        <div className="empty">Loading traces…</div>
      ) : list.isSuccess ? (
        <TraceResults
          key={shownKey.current} params={stale ? new URLSearchParams(shownKey.current) : params} paramsKey={shownKey.current} stale={stale}
          live={!stale && live && order === 'desc'} loaded={loaded}
          hasMore={list.hasNextPage} loadingMore={list.isFetchingNextPage} fetchNext={fetchNext} searchRef={search}
          empty={filtered ? <NoMatch clear={() => setParams(new URLSearchParams())} inRange={(params.get('range') ?? 'all') !== 'all'} /> : <EmptyProject />}
        />
      ) : null}
    </div>
  );
}

function NoMatch({ clear, inRange }: { clear: () => void; inRange: boolean }) {
  return (
    <div className="empty" data-testid="empty">
      <h2>No trace matches</h2>
      <p>
        Nothing matches these filters{inRange ? ' in this time range' : ''}.{' '}
        <a href="/traces" onClick={(e) => { e.preventDefault(); clear(); }}>Clear all filters</a>
      </p>
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
