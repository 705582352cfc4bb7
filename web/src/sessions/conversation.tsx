// /sessions/:id: a session as the conversation it was. The header has the session's totals (GET
// /api/v1/sessions/:id); the turns are its traces oldest first, fetched TURN_PAGE at a time by
// cursor as the reader scrolls toward the end (GET /api/v1/traces?sessionId=…&include=scores, which
// carries each turn's input, output and scores in one call), so a session of hundreds of turns
// never loads them all at once.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api, ApiError, errorText } from '../lib/api';
import { fmtCost, fmtTime, fmtTokens } from '../lib/format';
import { userHref } from '../lib/links';
import type { SessionDetail } from '../lib/rollup-types';
import { goBack, linkClick, withParams } from '../lib/router';
import type { Page, TraceRow } from '../lib/types';
import { Fact } from '../components/fact';
import { IdLink } from '../components/id-link';
import { Turn } from './turn';
import './sessions.css';

export const TURN_PAGE = 20;

export function ConversationPage({ sessionId }: { sessionId: string }) {
  const head = useQuery({
    queryKey: ['session', sessionId],
    queryFn: () => api<SessionDetail>(`/api/v1/sessions/${encodeURIComponent(sessionId)}?limit=1`),
    staleTime: 10_000,
  });
  const turns = useInfiniteQuery({
    queryKey: ['session-turns', sessionId],
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ sessionId, order: 'asc', include: 'scores', limit: String(TURN_PAGE) });
      if (pageParam) q.set('cursor', pageParam);
      return api<Page<TraceRow>>(`/api/v1/traces?${q}`);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 10_000,
  });

  // The next page is asked for when the end of the loaded turns comes near the bottom of the view.
  const scroller = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = turns;
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasNextPage || isFetchingNextPage) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void fetchNextPage();
    }, { root: scroller.current, rootMargin: '0px 0px 600px 0px' });
    io.observe(el);
    return () => io.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, turns.data]);

  if (head.isError) {
    const missing = head.error instanceof ApiError && head.error.status === 404;
    return (
      <div className="empty" data-testid="session-error">
        <h2>{missing ? 'No such session in this project' : 'The session could not be loaded'}</h2>
        <div className="error-box">{errorText(head.error)}</div>
        <p><a href="/sessions" onClick={linkClick}>Back to the sessions</a></p>
      </div>
    );
  }
  const s = head.data?.session;
  const loaded = turns.data ? turns.data.pages.flatMap((p) => p.data) : [];
  return (
    <div className="conversation-page" data-testid="conversation">
      <header className="trace-head">
        <div className="trace-title">
          <button className="btn small" onClick={back} title="Back">←</button>
          <h1 title={sessionId}>Session {sessionId}</h1>
          <a className="faint" href={withParams('/traces', new URLSearchParams({ sessionId, order: 'asc' }))} onClick={linkClick}>as a trace list</a>
        </div>
        {s && (
          <div className="facts" data-testid="session-facts">
            <Fact label="turns"><span data-testid="turn-count">{s.traceCount}</span></Fact>
            <Fact label="from">{fmtTime(s.firstTime)}</Fact>
            <Fact label="latest">{fmtTime(s.lastTime)}</Fact>
            <Fact label="tokens"><span title={`${s.inputTokens} in / ${s.outputTokens} out`}>{fmtTokens(s.totalTokens)}</span></Fact>
            <Fact label="cost">{fmtCost(s.costUsd)}</Fact>
            <Fact label="errors">{s.errorCount ? <span className="status-error">{s.errorCount}</span> : '0'}</Fact>
            <Fact label={s.userIds.length === 1 ? 'user' : 'users'}>
              {s.userIds.length ? s.userIds.map((u) => <IdLink key={u} href={userHref(u)} id={u} testId="session-user" className="id-link" />) : <span className="faint">–</span>}
            </Fact>
          </div>
        )}
      </header>
      <div className="conversation-scroll" ref={scroller} data-testid="conversation-scroll">
        <div className="conversation">
          {turns.isError && <div className="error-box" role="alert"><b>The turns could not be loaded.</b> {errorText(turns.error)}</div>}
          {turns.isPending && <div className="empty">Loading the conversation…</div>}
          {loaded.map((t, i) => <Turn key={t.id} trace={t} n={i + 1} />)}
          <div ref={sentinel} className="turns-end faint" data-testid="turns-end">
            {turns.hasNextPage
              ? (turns.isFetchingNextPage ? 'Loading more turns…' : <button className="btn small" onClick={() => void turns.fetchNextPage()}>Load more turns</button>)
              : turns.isSuccess ? `${loaded.length} turn${loaded.length === 1 ? '' : 's'}, end of the session` : null}
          </div>
        </div>
      </div>
    </div>
  );
}

const back = () => goBack('/sessions');
