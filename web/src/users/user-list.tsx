// /users: users by latest activity, with the user list API's filters (time range, session,
// filter= expression) in the URL, fetched by cursor as the reader scrolls.
import { fmtCost, fmtTime, fmtTokens } from '../lib/format';
import { userHref } from '../lib/links';
import type { User } from '../lib/rollup-types';
import { RollupListPage } from '../components/rollup-list';
import type { Column } from '../components/rollup-table';
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
  return (
    <RollupListPage<User> resource="users" noun="user" idParam="sessionId" idLabel="Session id"
      filterHint="filter: errorCount > 0 and sessionCount >= 2"
      emptyHelp={<p>A user is the traces that share a <code>userId</code> (OTLP <code>user.id</code>, <code>enduser.id</code>).</p>}
      columns={COLUMNS} grid={GRID} rowHref={(u) => userHref(u.id)} rowTestId="user" />
  );
}
