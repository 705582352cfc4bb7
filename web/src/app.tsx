// The shell: who the key is (GET /api/v1/whoami), the login page when there is no usable key,
// the top bar, and the page for the current path.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { api, ApiError, errorText } from './lib/api';
import { getKey, logoutEverywhere, whenLoggedOutElsewhere } from './lib/key';
import { linkClick, useLocation } from './lib/router';
import type { WhoAmI } from './lib/types';
import { LoginPage } from './pages/login';
import { TraceListPage } from './pages/trace-list';
import { TraceDetailPage } from './pages/trace-detail';

// The traces are what the dashboard opens on; the other pages (uPlot for the metrics, the
// settings forms) come in chunks of their own when first visited, so the first paint loads none
// of them.
const SettingsPage = lazy(() => import('./pages/settings').then((m) => ({ default: m.SettingsPage })));
const MetricsPage = lazy(() => import('./metrics/metrics-page').then((m) => ({ default: m.MetricsPage })));
const ConversationPage = lazy(() => import('./sessions/conversation').then((m) => ({ default: m.ConversationPage })));
const SessionListPage = lazy(() => import('./sessions/session-list').then((m) => ({ default: m.SessionListPage })));
const UserListPage = lazy(() => import('./users/user-list').then((m) => ({ default: m.UserListPage })));
const UserPage = lazy(() => import('./users/user-page').then((m) => ({ default: m.UserPage })));

export function App() {
  const [key, setKeyState] = useState(getKey());
  const qc = useQueryClient();
  const { path } = useLocation();
  const who = useQuery({
    queryKey: ['whoami', key],
    queryFn: () => api<WhoAmI>('/api/v1/whoami'),
    enabled: key !== null,
    staleTime: Infinity,
  });
  const loggedIn = () => {
    qc.clear();
    setKeyState(getKey());
  };
  const logout = () => {
    logoutEverywhere();
    qc.clear();
    setKeyState(null);
  };
  useEffect(() => whenLoggedOutElsewhere(() => {
    qc.clear();
    setKeyState(null);
  }), [qc]);

  if (key === null) return <LoginPage onLogin={loggedIn} />;
  if (who.isPending) return <div className="empty">Checking the key…</div>;
  if (who.isError) {
    const unauthorized = who.error instanceof ApiError && who.error.status === 401;
    if (unauthorized) return <LoginPage onLogin={loggedIn} error="The server does not know this key. Check it and try again." />;
    return (
      <div className="empty">
        <div className="error-box"><b>Cannot reach Loupe.</b> {errorText(who.error)}</div>
        <p><button className="btn" onClick={() => void who.refetch()}>Try again</button> <button className="btn" onClick={logout}>Log out</button></p>
      </div>
    );
  }
  const me = who.data;
  const canRead = me.scopes.includes('read') || me.scopes.includes('admin');
  return (
    <div className="shell">
      <TopBar me={me} onLogout={logout} />
      <main className="page">
        <Suspense fallback={<div className="empty">Loading…</div>}>
        {isSettings(path) ? (
          // Settings answer any key: one without admin is told there what it needs.
          <SettingsPage me={me} />
        ) : canRead ? (
          <Pages />
        ) : (
          <div className="empty" data-testid="no-read">
            <h2>This key cannot read traces</h2>
            <p>
              The key has the scope{me.scopes.length === 1 ? '' : 's'} <b>{me.scopes.join(', ') || 'none'}</b>; the dashboard needs
              a key with <code>read</code>. Make one with <code>npx loupe keys create --project {me.project.name} --scopes read</code> and log in with it.
            </p>
            <button className="btn primary" onClick={logout}>Log in with another key</button>
          </div>
        )}
        </Suspense>
      </main>
    </div>
  );
}

const isSettings = (path: string) => path === '/settings' || path.startsWith('/settings/');
const under = (path: string, base: string) => path === base || path.startsWith(`${base}/`);

function Pages() {
  const { path } = useLocation();
  const m = /^\/traces\/([^/]+)$/.exec(path);
  if (m) return <TraceDetailPage key={m[1]} traceId={decodeURIComponent(m[1])} />;
  const session = /^\/sessions\/([^/]+)$/.exec(path);
  if (session) return <ConversationPage key={session[1]} sessionId={decodeURIComponent(session[1])} />;
  const user = /^\/users\/([^/]+)$/.exec(path);
  if (user) return <UserPage key={user[1]} userId={decodeURIComponent(user[1])} />;
  if (path === '/sessions' || path === '/sessions/') return <SessionListPage />;
  if (path === '/users' || path === '/users/') return <UserListPage />;
  if (path === '/' || path === '/traces' || path === '/login') return <TraceListPage />;
  if (path === '/metrics') return <MetricsPage />;
  return (
    <div className="empty">
      <h2>No page at {path}</h2>
      <a href="/traces" onClick={linkClick}>Go to the traces</a>
    </div>
  );
}

function TopBar({ me, onLogout }: { me: WhoAmI; onLogout: () => void }) {
  const { path } = useLocation();
  return (
    <header className="topbar">
      <a href="/traces" onClick={linkClick} className="brand">
        <img src="/favicon.svg" alt="" width={18} height={18} /> Loupe
      </a>
      <nav>
        <a href="/traces" onClick={linkClick} className={path === '/' || path.startsWith('/traces') ? 'active' : ''} data-testid="nav-traces">Traces</a>
        <a href="/sessions" onClick={linkClick} className={under(path, '/sessions') ? 'active' : ''} data-testid="nav-sessions">Sessions</a>
        <a href="/users" onClick={linkClick} className={under(path, '/users') ? 'active' : ''} data-testid="nav-users">Users</a>
        <a href="/metrics" onClick={linkClick} className={under(path, '/metrics') ? 'active' : ''} data-testid="nav-metrics">Metrics</a>
        <a href="/settings" onClick={linkClick} className={isSettings(path) ? 'active' : ''} data-testid="nav-settings">Settings</a>
      </nav>
      <span className="spacer" />
      <span className="who" data-testid="who">
        project <b>{me.project.name}</b> <span className="faint">·</span> {me.scopes.map((s) => <span key={s} className="badge">{s}</span>)}
      </span>
      <button className="btn small" onClick={onLogout} data-testid="logout">Log out</button>
    </header>
  );
}
