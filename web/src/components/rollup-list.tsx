// A rollup list page (/sessions, /users): its filters in the URL, a count, an empty state and the
// rows fetched by cursor as the reader scrolls. Each page gives its endpoint, columns and words.
import { useCallback, useMemo } from 'react';
import { ApiError, errorText } from '../lib/api';
import { useCursorPages } from '../lib/cursor-pages';
import { navigate, useLocation, withParams } from '../lib/router';
import { RollupFilters, rollupQuery } from './rollup-filters';
import { RollupTable, type Column } from './rollup-table';

/** A 400 is the filter= expression the server could not read: shown by the filter box, not as a failure. */
export const filterMessage = (e: unknown) => (e instanceof ApiError && e.status === 400 ? errorText(e) : null);

interface Props<T extends { id: string }> {
  /** The page's path, also the list's query key and the API resource: 'sessions' → /sessions, /api/v1/sessions. */
  resource: 'sessions' | 'users';
  /** Singular noun for the count ("1 session", "3 sessions"). */
  noun: string;
  /** The other id the list filters on, and its input's label. */
  idParam: 'userId' | 'sessionId';
  idLabel: string;
  filterHint: string;
  /** What one of these is, under the empty state's heading. */
  emptyHelp: React.ReactNode;
  columns: Column<T>[];
  grid: string;
  rowHref: (row: T) => string;
  /** data-testid of the table body (rows get `${rowTestId}-row`). */
  rowTestId: string;
}

export function RollupListPage<T extends { id: string }>({ resource, noun, idParam, idLabel, filterHint, emptyHelp, columns, grid, rowHref, rowTestId }: Props<T>) {
  const { params } = useLocation();
  const paramsKey = params.toString();
  // A preset range is resolved once per URL, so the query (and its cache key) holds still.
  const query = useMemo(() => rollupQuery(new URLSearchParams(paramsKey), idParam, Date.now()), [paramsKey, idParam]);
  const { list, rows, fetchNext } = useCursorPages<T>([resource], `/api/v1/${resource}`, query, 100);
  const setParams = useCallback((p: URLSearchParams) => navigate(withParams(`/${resource}`, p)), [resource]);
  const badFilter = filterMessage(list.error);
  return (
    <div className="list-page" data-testid={`${resource}-page`}>
      <RollupFilters params={params} setParams={setParams} idParam={idParam} idLabel={idLabel} error={badFilter} filterHint={filterHint} />
      {list.isError && !badFilter && <div className="error-box" role="alert"><b>{`The ${resource} could not be loaded.`}</b> {errorText(list.error)}</div>}
      {list.isPending ? (
        <div className="empty">{`Loading ${resource}…`}</div>
      ) : list.isSuccess ? (
        <>
          <div className="list-status"><span className="faint" data-testid="count">{rows.length.toLocaleString()}{list.hasNextPage ? '+' : ''}{` ${noun}`}{rows.length === 1 ? '' : 's'}</span></div>
          {rows.length === 0 ? (
            <div className="empty" data-testid="empty">
              <h2>{`No ${resource}`}{paramsKey ? ' match' : ' yet'}</h2>
              {emptyHelp}
            </div>
          ) : (
            <RollupTable rows={rows} columns={columns} grid={grid} rowKey={(r) => r.id} rowHref={rowHref} label={resource} testId={rowTestId}
              hasMore={list.hasNextPage} loadingMore={list.isFetchingNextPage} onEndReached={fetchNext} />
          )}
        </>
      ) : null}
    </div>
  );
}
