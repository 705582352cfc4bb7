// One trace: its header (status, duration, tokens, cost, user, session, tags, metadata, input and
// output), the spans as a tree, a timeline or a flame view of one shared selection, a search
// across every span, and the selected span's panel. View, span and search live in the URL.
import { useQuery } from '@tanstack/react-query';
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { ScoreChips } from '../components/chips';
import { Fact } from '../components/fact';
import { Feedback } from '../feedback/feedback';
import { FlameView } from '../detail/flame-view';
import { buildSpanTree, visibleRows } from '../detail/span-tree';
import { TimelineView } from '../detail/timeline-view';
import { TreeView } from '../detail/tree-view';
import type { ViewProps } from '../detail/view-props';
import { api, ApiError, errorText } from '../lib/api';
import { fmtCost, fmtDuration, fmtTime, fmtTokens } from '../lib/format';
import { useKeys } from '../lib/keys';
import { sessionHref, userHref } from '../lib/links';
import { goBack, linkClick, navigate, useLocation, withParams } from '../lib/router';
import type { TraceDetail } from '../lib/types';
import { FoldText } from '../span/fold-text';
import { JsonTree } from '../span/json-tree';
import { spanMatches } from '../span/search';
import { SpanPanel } from '../span/span-panel';

const VIEWS = ['tree', 'timeline', 'flame'] as const;
type View = (typeof VIEWS)[number];

export function TraceDetailPage({ traceId }: { traceId: string }) {
  const { path, params } = useLocation();
  const detail = useQuery({
    queryKey: ['trace', traceId],
    queryFn: () => api<TraceDetail>(`/api/v1/traces/${encodeURIComponent(traceId)}`),
    staleTime: 5_000,
    // A trace still running gains spans: follow it until it ends.
    refetchInterval: (q) => (q.state.data?.trace.status === 'pending' ? 3_000 : false),
  });
  const view: View = (VIEWS as readonly string[]).includes(params.get('view') ?? '') ? (params.get('view') as View) : 'tree';
  const selectedId = params.get('span');
  const setParam = useCallback((k: string, v: string | null) => {
    const next = new URLSearchParams(window.location.search);
    if (v === null || v === '') next.delete(k);
    else next.set(k, v);
    navigate(withParams(path, next), { replace: true });
  }, [path]);

  const tree = useMemo(() => (detail.data ? buildSpanTree(detail.data.spans) : null), [detail.data]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const toggle = useCallback((id: string) => setCollapsed((c) => {
    const n = new Set(c);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  }), []);
  const rows = useMemo(() => (tree ? visibleRows(tree, collapsed) : []), [tree, collapsed]);

  const [searchText, setSearchText] = useState(params.get('find') ?? '');
  const search = useDeferredValue(searchText.trim());
  const matches = useMemo(() => {
    if (!tree || !search) return null;
    const found = new Set<string>();
    for (const n of tree.ordered) if (spanMatches(n.span, search)) found.add(n.span.id);
    return found;
  }, [tree, search]);
  useEffect(() => { setParam('find', search || null); }, [search, setParam]);

  const select = useCallback((id: string) => setParam('span', id), [setParam]);
  // With no span chosen, the first root is shown: a reader opening a trace wants to read it.
  const shownId = selectedId ?? tree?.ordered[0]?.span.id ?? null;
  const selectedNode = shownId && tree ? tree.byId.get(shownId) : undefined;

  const searchBox = useRef<HTMLInputElement>(null);
  const move = (d: number) => {
    if (!rows.length) return;
    const i = rows.findIndex((n) => n.span.id === shownId);
    const next = rows[Math.min(rows.length - 1, Math.max(0, (i === -1 ? 0 : i) + d))];
    select(next.span.id);
  };
  const nextMatch = (d: number) => {
    if (!matches?.size || !tree) return;
    const list = tree.ordered.filter((n) => matches.has(n.span.id));
    const i = list.findIndex((n) => n.span.id === shownId);
    const n = list[(i + d + list.length) % list.length];
    // A match hidden under a collapsed node is revealed.
    setCollapsed((c) => {
      let p = n.parent;
      const out = new Set(c);
      while (p) { out.delete(p.span.id); p = p.parent; }
      return out;
    });
    select(n.span.id);
  };
  useKeys({
    j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    ArrowLeft: () => { if (shownId && selectedNode?.children.length && !collapsed.has(shownId)) toggle(shownId); },
    ArrowRight: () => { if (shownId && collapsed.has(shownId)) toggle(shownId); },
    Enter: () => { if (shownId && selectedNode?.children.length) toggle(shownId); },
    '/': () => searchBox.current?.focus(),
    Escape: () => back(),
    t: () => setParam('view', null), l: () => setParam('view', 'timeline'), f: () => setParam('view', 'flame'),
  });

  if (detail.isPending) return <div className="empty">Loading trace…</div>;
  if (detail.isError) {
    const missing = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <div className="empty" data-testid="detail-error">
        <h2>{missing ? 'No such trace in this project' : 'The trace could not be loaded'}</h2>
        <div className="error-box">{errorText(detail.error)}</div>
        <p><a href="/traces" onClick={linkClick}>Back to the traces</a></p>
      </div>
    );
  }
  const { trace, scores } = detail.data;
  const viewProps: ViewProps = { tree: tree!, rows, collapsed, toggle, selectedId: shownId, onSelect: select, matches };
  const traceScores = scores.filter((s) => !s.spanId);

  return (
    <div className="detail-page">
      <header className="trace-head" data-testid="trace-head">
        <div className="trace-title">
          <button className="btn small" onClick={back} title="Back to the list (Esc)">←</button>
          <h1 title={trace.id}>{trace.name ?? trace.id}</h1>
          <span className={`status status-${trace.status}`} data-testid="trace-status">● {trace.status}</span>
          <span className="faint mono" title="trace id">{trace.id}</span>
          <Feedback traceId={trace.id} spanId={null} scores={scores} />
        </div>
        <div className="facts">
          <Fact label="started">{fmtTime(trace.startTime)}</Fact>
          <Fact label="duration">{fmtDuration(trace.durationMs)}</Fact>
          <Fact label="spans">{trace.spanCount}{trace.errorCount ? <span className="status-error"> · {trace.errorCount} error{trace.errorCount === 1 ? '' : 's'}</span> : null}</Fact>
          <Fact label="tokens"><span title={`${trace.inputTokens} in / ${trace.outputTokens} out`}>{fmtTokens(trace.totalTokens)}</span></Fact>
          <Fact label="cost">{fmtCost(trace.costUsd)}</Fact>
          {trace.userId && <Fact label="user"><a data-testid="user-link" href={userHref(trace.userId)} onClick={linkClick}>{trace.userId}</a></Fact>}
          {trace.sessionId && <Fact label="session"><a data-testid="session-link" href={sessionHref(trace.sessionId)} onClick={linkClick}>{trace.sessionId}</a></Fact>}
          {trace.environment && <Fact label="env">{trace.environment}</Fact>}
          {trace.release && <Fact label="release">{trace.release}</Fact>}
          {trace.tags.length > 0 && <Fact label="tags">{trace.tags.map((t) => <a key={t} className="badge" href={withParams('/traces', new URLSearchParams({ tag: t }))} onClick={linkClick}>{t}</a>)}</Fact>}
          {traceScores.length > 0 && <Fact label="scores"><ScoreChips scores={traceScores} max={8} /></Fact>}
        </div>
        {Object.keys(trace.metadata).length > 0 && (
          <div className="meta-row" data-testid="trace-metadata">
            {Object.entries(trace.metadata).map(([k, v]) =>
              // A text value is a link to the list filtered by it; others (numbers, objects) cannot be matched as text.
              typeof v === 'string' ? (
                <a key={k} className="badge meta" title={`${k} = ${v} (filter the list by it)`} href={withParams('/traces', new URLSearchParams({ [`metadata.${k}`]: v }))} onClick={linkClick}>
                  {k} = {v}
                </a>
              ) : (
                <span key={k} className="badge meta" title={`${k} = ${JSON.stringify(v)}`}>{k} = {JSON.stringify(v)}</span>
              ),
            )}
          </div>
        )}
        <IoRow input={trace.input} output={trace.output} />
      </header>
      <div className="detail-body">
        <section className="views">
          <div className="view-bar">
            <div className="seg" role="tablist">
              {VIEWS.map((v) => (
                <button key={v} role="tab" aria-selected={view === v} className={`btn small${view === v ? ' active' : ''}`} data-testid={`view-${v}`} onClick={() => setParam('view', v === 'tree' ? null : v)}>
                  {v[0].toUpperCase() + v.slice(1)}
                </button>
              ))}
            </div>
            <button className="btn small" onClick={() => setCollapsed(new Set())} disabled={!collapsed.size}>Expand all</button>
            <button className="btn small" onClick={() => setCollapsed(new Set(tree!.ordered.filter((n) => n.depth >= 1 && n.children.length).map((n) => n.span.id)))}>Collapse</button>
            <span className="spacer" />
            <input ref={searchBox} className="input" type="search" placeholder="Find in all spans  ( / )" aria-label="find in spans" data-testid="span-search"
              value={searchText} onChange={(e) => setSearchText(e.target.value)}
              onKeyDown={(e) => { if (e.key === 'Enter') nextMatch(e.shiftKey ? -1 : 1); if (e.key === 'Escape') { e.stopPropagation(); e.currentTarget.blur(); } }} />
            {matches && <span className="faint" data-testid="match-count">{matches.size} match{matches.size === 1 ? '' : 'es'}</span>}
          </div>
          {view === 'tree' && <TreeView {...viewProps} />}
          {view === 'timeline' && <TimelineView {...viewProps} />}
          {view === 'flame' && <FlameView {...viewProps} />}
        </section>
        <aside className="panel">
          {selectedNode ? (
            <SpanPanel span={selectedNode.span} scores={scores} search={search} />
          ) : (
            <div className="empty">{tree!.ordered.length ? `This trace has no span ${shownId}.` : 'This trace has no spans yet: they appear here once they arrive.'}</div>
          )}
        </aside>
      </div>
    </div>
  );
}

const back = () => goBack('/traces');

function IoRow({ input, output }: { input: unknown; output: unknown }) {
  if (input == null && output == null) return null;
  return (
    <div className="io-row">
      {[['Input', input], ['Output', output]].map(([label, v]) => (
        <details key={label as string} className="io" open>
          <summary>{label as string}</summary>
          {v == null ? <span className="faint">–</span> : typeof v === 'string' ? <FoldText text={v} lines={3} chars={280} /> : <JsonTree value={v} openDepth={1} />}
        </details>
      ))}
    </div>
  );
}
