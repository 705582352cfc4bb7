// /users: users by latest activity, with the user list API's filters (time range, session,
// filter= expression) in the URL, fetched by cursor as the reader scrolls.
import { useCallback, useMemo } from 'react';
import { errorText } from '../lib/api';
import { fmtCost, fmtTime, fmtTokens } from '../lib/format';
import { userHref } from '../lib/links';
import { useCursorPages } from '../lib/cursor-pages';
import type { User } from '../lib/rollup-types';
import { navigate, useLocation, withParams } from '../lib/router';
import { RollupFilters, rollupQuery } from '../components/rollup-filters';
import { RollupTable, type Column } from '../components/rollup-table';
import { filterMessage } from '../sessions/session-list';
import { UserScores } from './user-scores';
import './users.css';

const COLUMNS: Column<User>[] = [
  { head: 'User', className: 'name', cell: (u) => <span title={u.id}>{u.id}</span> },
  { head: 'Last seen', cell: (u) => <span className="mono muted" title={u.lastSeen ?? ''}>{fmtTime(u.lastSeen)}</span> },
  { head: 'First seen', cell: (u) => <span className="mono muted" title={u.firstSeen ?? ''}>{fmtTime(u.firstSeen)}</span> },
  { head: 'Traces', className: 'num', cell: (u) => u.traceCount.toLocaleString() },
  { head: 'Sessions', className: 'num', cell: (u) => u.sessionCount.toLocaleString() },
  { head: 'Tokens', className: 'num', cell: (u) => <span title={`${u.inputTokens} in / ${u.outputTokens} out`}>{fmtTokens(u.totalTokens)}</span> },
  { head: 'Cost', className: 'num', cell: (u) => fmtCost(u.costUsd) },
  { head: 'Errors', className: 'num', cell: (u) => (u.errorCount ? <span className="status-error">{u.errorCount}</span> : <span className="faint">0</span>) },
  { head: 'Scores', className: 'ellipsis', cell: (u) => <UserScores scores={u.scores} max={3} /> },
];
const GRID = 'minmax(140px, 1.5fr) 120px 120px 64px 72px 72px 80px 56px minmax(160px, 2fr)';

export function UserListPage() {
  const { params } = useLocation();
  const paramsKey = params.toString();
  const query = useMemo(() => rollupQuery(new URLSearchParams(paramsKey), 'sessionId', Date.now()), [paramsKey]);
  const { list, rows, fetchNext } = useCursorPages<User>(['users'], '/api/v1/users', query, 100);
  const setParams = useCallback((p: URLSearchParams) => navigate(withParams('/users', p)), []);
  const badFilter = filterMessage(list.error);
  return (
    <div className="list-page" data-testid="users-page">
      <RollupFilters params={params} setParams={setParams} idParam="sessionId" idLabel="Session id" error={badFilter}
        filterHint="filter: errorCount > 0 and sessionCount >= 2" />
      {list.isError && !badFilter && <div className="error-box" role="alert"><b>The users could not be loaded.</b> {errorText(list.error)}</div>}
      {list.isPending ? (
        <div className="empty">Loading users…</div>
      ) : list.isSuccess ? (
        <>
          <div className="list-status"><span className="faint" data-testid="count">{rows.length.toLocaleString()}{list.hasNextPage ? '+' : ''} user{rows.length === 1 ? '' : 's'}</span></div>
          {rows.length === 0 ? (
            <div className="empty" data-testid="empty">
              <h2>No users{paramsKey ? ' match' : ' yet'}</h2>
              <p>A user is the traces that share a <code>userId</code> (OTLP <code>user.id</code>, <code>enduser.id</code>).</p>
            </div>
          ) : (
            <RollupTable rows={rows} columns={COLUMNS} grid={GRID} rowKey={(u) => u.id} rowHref={(u) => userHref(u.id)} label="users" testId="user"
              hasMore={list.hasNextPage} loadingMore={list.isFetchingNextPage} onEndReached={fetchNext} />
          )}
        </>
      ) : null}
    </div>
  );
}
