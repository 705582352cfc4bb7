// Settings › API keys: the project's keys (name, prefix, scopes, created, last used), creating one
// (shown once), and revoking one after a confirm step in its row. The server refuses to revoke the
// last admin key; its message is shown in the row. Revoking the key this tab is logged in with
// logs every tab out, as the top bar's Log out does, since nothing it asks would be answered.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { errorText } from '../lib/api';
import { fmtTime } from '../lib/format';
import { logoutEverywhere } from '../lib/key';
import type { WhoAmI } from '../lib/types';
import { CreateKey } from './key-create';
import { listKeys, QUERY, revokeKey, type ApiKey } from './keys-api';
import './keys.css';

export function KeySettings({ me }: { me: WhoAmI }) {
  const keys = useQuery({ queryKey: QUERY, queryFn: listKeys, staleTime: 0 });
  if (keys.isPending) return <p className="muted">Loading the keys…</p>;
  if (keys.isError) return <div className="error-box" role="alert"><b>Cannot read the keys.</b> {errorText(keys.error)}</div>;
  const active = keys.data.filter((k) => k.revokedAt === null);
  const revoked = keys.data.filter((k) => k.revokedAt !== null);
  return (
    <div className="settings-section" data-testid="keys">
      <h1>API keys</h1>
      <p className="muted">
        Keys belong to the project <b>{me.project.name}</b>. <code>ingest</code> sends data, <code>read</code> reads it (the
        dashboard needs it), <code>admin</code> changes settings, prices and keys. A key is shown once, when it is created;
        the server keeps only a hash and the first characters (the prefix) to recognise it. A revoked key is refused from its
        next request on.
      </p>

      <section className="settings-block" aria-labelledby="keys-title">
        <h2 id="keys-title">Keys in use ({active.length})</h2>
        <KeyTable keys={active} me={me} />
      </section>

      <section className="settings-block" aria-labelledby="new-key-title">
        <h2 id="new-key-title">Create a key</h2>
        <CreateKey />
      </section>

      {revoked.length > 0 && (
        <section className="settings-block">
          <details data-testid="revoked-keys">
            <summary>Revoked keys ({revoked.length})</summary>
            <table className="settings-table keys-table revoked">
              <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Revoked</th></tr></thead>
              <tbody>
                {revoked.map((k) => (
                  <tr key={k.id} data-testid="revoked-row" data-key-id={k.id}>
                    <td>{k.name ?? <span className="faint">unnamed</span>}</td>
                    <td><code>{k.prefix}…</code></td>
                    <td>{k.scopes.map((s) => <span key={s} className="badge">{s}</span>)}</td>
                    <td>{fmtTime(k.createdAt)}</td>
                    <td>{fmtTime(k.revokedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </section>
      )}
    </div>
  );
}

function KeyTable({ keys, me }: { keys: ApiKey[]; me: WhoAmI }) {
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState<string | null>(null);
  const revoke = useMutation({
    mutationFn: revokeKey,
    onSuccess: async (k) => {
      if (k.id === me.keyId) {
        logoutEverywhere();
        // A fresh start on the login page: every query of this tab was made with the dead key.
        window.location.assign('/traces');
        return;
      }
      setConfirming(null);
      await qc.invalidateQueries({ queryKey: QUERY });
    },
  });
  return (
    <table className="settings-table keys-table" data-testid="key-list">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Prefix</th>
          <th scope="col">Scopes</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col"><span className="visually-hidden">Revoke</span></th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => {
          const mine = k.id === me.keyId;
          const asking = confirming === k.id;
          return (
            <Fragment key={k.id}>
              <tr data-testid="key-row" data-key-id={k.id} data-prefix={k.prefix} className={asking ? 'asking' : undefined}>
                <td>
                  {k.name ?? <span className="faint">unnamed</span>}
                  {mine && <span className="badge this-key" title="the key this dashboard is logged in with" data-testid="this-key">this key</span>}
                </td>
                <td><code data-testid="key-prefix">{k.prefix}…</code></td>
                <td>{k.scopes.map((s) => <span key={s} className="badge">{s}</span>)}</td>
                <td title={k.createdAt}>{fmtTime(k.createdAt)}</td>
                <td title={k.lastUsedAt ?? undefined}>{k.lastUsedAt ? fmtTime(k.lastUsedAt) : <span className="faint">never</span>}</td>
                <td className="actions">
                  <button type="button" className="btn small" data-testid="key-revoke" disabled={asking}
                    onClick={() => { revoke.reset(); setConfirming(k.id); }}>Revoke…</button>
                </td>
              </tr>
              {asking && (
                // A row of its own under the key: the question and the server's answer get the table's width.
                <tr className="confirm-row asking" data-testid="key-confirm" data-key-id={k.id}>
                  <td colSpan={6}>
                    <div className="confirm" role="group" aria-label={`revoke ${k.name ?? k.prefix}?`}>
                      <span>
                        Revoke <b>{k.name ?? `${k.prefix}…`}</b>?{' '}
                        {mine ? 'This is the key you are logged in with: revoking it logs you out.' : 'Anything using it is refused from its next request.'}
                      </span>
                      <button type="button" className="btn small danger" disabled={revoke.isPending} data-testid="key-revoke-confirm" onClick={() => revoke.mutate(k.id)}>
                        {revoke.isPending ? 'Revoking…' : 'Revoke'}
                      </button>
                      <button type="button" className="btn small" data-testid="key-revoke-cancel" onClick={() => { setConfirming(null); revoke.reset(); }}>Keep it</button>
                    </div>
                    {revoke.isError && <div className="field-error" role="alert" data-testid="key-revoke-error">{revoke.error.message}</div>}
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
