// /users/:id: one user's totals and scores, their sessions (each opening the conversation view)
// and their traces (each opening the trace), both paged by cursor.
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api, ApiError, errorText } from '../lib/api';
import { fmtCost, fmtDuration, fmtTime, fmtTokens } from '../lib/format';
import { sessionHref, traceHref } from '../lib/links';
import { useCursorPages } from '../lib/cursor-pages';
import type { Session, User } from '../lib/rollup-types';
import { goBack, linkClick, withParams } from '../lib/router';
import type { TraceRow } from '../lib/types';
import { ScoreChips } from '../components/chips';
import { Fact } from '../components/fact';
import { NestedLink } from '../components/id-link';
import { RollupTable, type Column } from '../components/rollup-table';
import { UserScores } from './user-scores';
import './users.css';

const SESSION_COLUMNS: Column<Session>[] = [
  { head: 'Last activity', cell: (s) => <span className="mono muted" title={s.lastTime ?? ''}>{fmtTime(s.lastTime)}</span> },
  { head: 'Session', className: 'name', cell: (s) => <span title={s.id}>{s.id}</span> },
  { head: 'Turns', className: 'num', cell: (s) => s.traceCount },
  { head: 'Tokens', className: 'num', cell: (s) => fmtTokens(s.totalTokens) },
  { head: 'Cost', className: 'num', cell: (s) => fmtCost(s.costUsd) },
  { head: 'Errors', className: 'num', cell: (s) => (s.errorCount ? <span className="status-error">{s.errorCount}</span> : <span className="faint">0</span>) },
];
const SESSION_GRID = '120px minmax(160px, 2fr) 56px 72px 80px 56px';

const TRACE_COLUMNS: Column<TraceRow>[] = [
  { head: 'Time', cell: (t) => <span className="mono muted" title={t.startTime}>{fmtTime(t.startTime)}</span> },
  { head: 'Name', className: 'name', cell: (t) => t.name ?? <span className="faint">{t.id.slice(0, 12)}</span> },
  { head: 'Status', cell: (t) => <span className={`status status-${t.status}`}>● {t.status}</span> },
  { head: 'Duration', className: 'num', cell: (t) => fmtDuration(t.durationMs) },
  { head: 'Tokens', className: 'num', cell: (t) => fmtTokens(t.totalTokens) },
  { head: 'Cost', className: 'num', cell: (t) => fmtCost(t.costUsd) },
  { head: 'Session', className: 'ellipsis', cell: (t) => (t.sessionId ? <NestedLink href={sessionHref(t.sessionId)} id={t.sessionId} testId="trace-session-link" /> : <span className="faint">–</span>) },
  { head: 'Scores', className: 'ellipsis', cell: (t) => <ScoreChips scores={t.scores ?? []} max={2} /> },
];
const TRACE_GRID = '110px minmax(140px, 2fr) 76px 68px 56px 72px minmax(90px, 1fr) minmax(110px, 1.2fr)';

export function UserPage({ userId }: { userId: string }) {
  const user = useQuery({
    queryKey: ['user', userId],
    queryFn: () => api<User>(`/api/v1/users/${encodeURIComponent(userId)}`),
    staleTime: 10_000,
  });
  const sessionQuery = useMemo(() => new URLSearchParams({ userId }), [userId]);
  const traceQuery = useMemo(() => new URLSearchParams({ userId, include: 'models,scores' }), [userId]);
  const sessions = useCursorPages<Session>(['user-sessions'], '/api/v1/sessions', sessionQuery, 50);
  const traces = useCursorPages<TraceRow>(['user-traces'], '/api/v1/traces', traceQuery, 100);

  if (user.isPending) return <div className="empty">Loading user…</div>;
  if (user.isError) {
    const missing = user.error instanceof ApiError && user.error.status === 404;
    return (
      <div className="empty" data-testid="user-error">
        <h2>{missing ? 'No such user in this project' : 'The user could not be loaded'}</h2>
        <div className="error-box">{errorText(user.error)}</div>
        <p><a href="/users" onClick={linkClick}>Back to the users</a></p>
      </div>
    );
  }
  const u = user.data;
  return (
    <div className="user-page" data-testid="user-page">
      <header className="trace-head">
        <div className="trace-title">
          <button className="btn small" onClick={back} title="Back">←</button>
          <h1 title={u.id}>User {u.id}</h1>
        </div>
        <div className="facts" data-testid="user-facts">
          <Fact label="first seen">{fmtTime(u.firstSeen)}</Fact>
          <Fact label="last seen">{fmtTime(u.lastSeen)}</Fact>
          <Fact label="traces"><span data-testid="user-trace-count">{u.traceCount}</span></Fact>
          <Fact label="sessions"><span data-testid="user-session-count">{u.sessionCount}</span></Fact>
          <Fact label="tokens"><span title={`${u.inputTokens} in / ${u.outputTokens} out`}>{fmtTokens(u.totalTokens)}</span></Fact>
          <Fact label="cost">{fmtCost(u.costUsd)}</Fact>
          <Fact label="errors">{u.errorCount ? <span className="status-error">{u.errorCount}</span> : '0'}</Fact>
          <Fact label="scores"><UserScores scores={u.scores} max={10} /></Fact>
        </div>
      </header>
      <div className="user-sections">
        <section className="user-section">
          <h2>Sessions <span className="faint">{sessions.rows.length}{sessions.list.hasNextPage ? '+' : ''}</span></h2>
          {sessions.list.isError && <div className="error-box">{errorText(sessions.list.error)}</div>}
          {sessions.list.isSuccess && (sessions.rows.length === 0 ? <p className="faint">No sessions: this user's traces carry no session id.</p> : (
            <RollupTable rows={sessions.rows} columns={SESSION_COLUMNS} grid={SESSION_GRID} rowKey={(s) => s.id} rowHref={(s) => sessionHref(s.id)} label="sessions of the user" testId="user-session"
              hasMore={sessions.list.hasNextPage} loadingMore={sessions.list.isFetchingNextPage} onEndReached={sessions.fetchNext} maxHeight={260} />
          ))}
        </section>
        <section className="user-section grow">
          <h2>
            Traces <span className="faint">{traces.rows.length}{traces.list.hasNextPage ? '+' : ''}</span>{' '}
            <a className="small-link" href={withParams('/traces', new URLSearchParams({ userId }))} onClick={linkClick}>filter the trace list</a>
          </h2>
          {traces.list.isError && <div className="error-box">{errorText(traces.list.error)}</div>}
          {traces.list.isSuccess && (
            <RollupTable rows={traces.rows} columns={TRACE_COLUMNS} grid={TRACE_GRID} rowKey={(t) => t.id} rowHref={(t) => traceHref(t.id)} label="traces of the user" testId="user-trace"
              hasMore={traces.list.hasNextPage} loadingMore={traces.list.isFetchingNextPage} onEndReached={traces.fetchNext} />
          )}
        </section>
      </div>
    </div>
  );
}

const back = () => goBack('/users');
