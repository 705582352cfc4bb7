// /sessions: sessions by latest activity, with the session list API's filters (time range, user,
// filter= expression) in the URL, fetched by cursor as the reader scrolls.
import { fmtCost, fmtTime, fmtTokens } from '../lib/format';
import { sessionHref, userHref } from '../lib/links';
import type { Session } from '../lib/rollup-types';
import { NestedLink } from '../components/id-link';
import { RollupListPage } from '../components/rollup-list';
import type { Column } from '../components/rollup-table';
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

export function SessionListPage() {
  return (
    <RollupListPage<Session> resource="sessions" noun="session" idParam="userId" idLabel="User id"
      filterHint='filter: traceCount > 5 and errorCount > 0 and costUsd > 0.01'
      emptyHelp={<p>A session is the traces that share a <code>sessionId</code> (OTLP <code>session.id</code>, GenAI <code>gen_ai.conversation.id</code>).</p>}
      columns={COLUMNS} grid={GRID} rowHref={(s) => sessionHref(s.id)} rowTestId="session" />
  );
}
