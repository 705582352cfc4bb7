// /sessions: sessions by latest activity, with the session list API's filters (time range, user,
// filter= expression) in the URL, fetched by cursor as the reader scrolls.
import { useCallback, useMemo } from 'react';
import { ApiError, errorText } from '../lib/api';
import { fmtCost, fmtTime, fmtTokens } from '../lib/format';
import { sessionHref, userHref } from '../lib/links';
import { useCursorPages } from '../lib/cursor-pages';
import type { Session } from '../lib/rollup-types';
import { navigate, useLocation, withParams } from '../lib/router';
import { NestedLink } from '../components/id-link';
import { RollupFilters, rollupQuery } from '../components/rollup-filters';
import { RollupTable, type Column } from '../components/rollup-table';
import './sessions.css';

const COLUMNS: Column<Session>[] = [
  { head: 'Last activity', cell: (s) => <span className="mono muted" title={s.lastTime ?? ''}>{fmtTime(s.lastTime)}</span> },
  { head: 'Session', className: 'name', cell: (s) => <span title={s.id}>{s.id}</span> },
  { head: 'Turns', className: 'num', cell: (s) => s.traceCount.toLocaleString() },
  { head: 'Tokens', className: 'num', cell: (s) => <span title={`${s.inputTokens} in / ${s.outputTokens} out`}>{fmtTokens(s.totalTokens)}</span> },
  { head: 'Cost', className: 'num', cell: (s) => fmtCost(s.costUsd) },
  { head: 'Errors', className: 'num', cell: (s) => (s.errorCount ? <span className="status-error">{s.errorCount}</span> : <span className="faint">0</span>) },
  {
    head: 'User', className: 'ellipsis',
    cell: (s) => (s.userIds.length ? s.userIds.map((u) => <NestedLink key={u} href={userHref(u)} id={u} testId="user-link" />) : <span className="faint">–</span>),
  },
  { head: 'Started', cell: (s) => <span className="mono muted" title={s.firstTime ?? ''}>{fmtTime(s.firstTime)}</span> },
];
const GRID = '120px minmax(180px, 2fr) 64px 72px 80px 56px minmax(100px, 1.2fr) 120px';

export const filterMessage = (e: unknown) => (e instanceof ApiError && e.status === 400 ? errorText(e) : null);

export function SessionListPage() {
  const { params } = useLocation();
  const paramsKey = params.toString();
  // A preset range is resolved once per URL, so the query (and its cache key) holds still.
  const query = useMemo(() => rollupQuery(new URLSearchParams(paramsKey), 'userId', Date.now()), [paramsKey]);
  const { list, rows, fetchNext } = useCursorPages<Session>(['sessions'], '/api/v1/sessions', query, 100);
  const setParams = useCallback((p: URLSearchParams) => navigate(withParams('/sessions', p)), []);
  const badFilter = filterMessage(list.error);
  return (
    <div className="list-page" data-testid="sessions-page">
      <RollupFilters params={params} setParams={setParams} idParam="userId" idLabel="User id" error={badFilter}
        filterHint='filter: traceCount > 5 and errorCount > 0 and costUsd > 0.01' />
      {list.isError && !badFilter && <div className="error-box" role="alert"><b>The sessions could not be loaded.</b> {errorText(list.error)}</div>}
      {list.isPending ? (
        <div className="empty">Loading sessions…</div>
      ) : list.isSuccess ? (
        <>
          <div className="list-status"><span className="faint" data-testid="count">{rows.length.toLocaleString()}{list.hasNextPage ? '+' : ''} session{rows.length === 1 ? '' : 's'}</span></div>
          {rows.length === 0 ? (
            <div className="empty" data-testid="empty">
              <h2>No sessions{paramsKey ? ' match' : ' yet'}</h2>
              <p>A session is the traces that share a <code>sessionId</code> (OTLP <code>session.id</code>, GenAI <code>gen_ai.conversation.id</code>).</p>
            </div>
          ) : (
            <RollupTable rows={rows} columns={COLUMNS} grid={GRID} rowKey={(s) => s.id} rowHref={(s) => sessionHref(s.id)} label="sessions" testId="session"
              hasMore={list.hasNextPage} loadingMore={list.isFetchingNextPage} onEndReached={fetchNext} />
          )}
        </>
      ) : null}
    </div>
  );
}
