// Asks for an API key, checks it against the server, and keeps it for this browser session.
import { useState } from 'react';
import { api, ApiError, errorText } from '../lib/api';
import { clearKey, setKey } from '../lib/key';
import type { WhoAmI } from '../lib/types';

export function LoginPage({ onLogin, error }: { onLogin: () => void; error?: string }) {
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | undefined>(error);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!value.trim()) return setProblem('Paste an API key.');
    setBusy(true);
    setKey(value);
    try {
      await api<WhoAmI>('/api/v1/whoami');
      onLogin();
    } catch (err) {
      clearKey();
      setProblem(err instanceof ApiError && err.status === 401 ? 'The server does not know this key. Check it and try again.' : errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login">
      <form onSubmit={submit} className="login-card">
        <h1><img src="/favicon.svg" alt="" width={22} height={22} /> Loupe</h1>
        <label htmlFor="key">API key</label>
        <input id="key" className="input" type="password" autoFocus autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} placeholder="lp_…" />
        {problem && <div className="error-box" role="alert">{problem}</div>}
        <button className="btn primary" type="submit" disabled={busy}>{busy ? 'Checking…' : 'Log in'}</button>
        <p className="muted">
          The first <code>npm start</code> printed a link that logs in, and saved the admin key to <code>data/admin-key.txt</code>.
          A key with the <code>read</code> scope is enough: <code>npx loupe keys create --project default --scopes read</code>.
          The key stays in this browser tab only.
        </p>
      </form>
    </div>
  );
}
