// Creating a key: a name and its scopes, then the key itself in a box with a copy button. The
// server keeps only a hash, so the box is the one time anyone sees it; it stays until dismissed.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { createKey, QUERY, SCOPES, type CreatedKey, type Scope } from './keys-api';

export function CreateKey() {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['ingest']);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const create = useMutation({
    mutationFn: createKey,
    onSuccess: async (k) => {
      setCreated(k);
      setName('');
      await qc.invalidateQueries({ queryKey: QUERY });
    },
  });
  const toggle = (s: Scope) => setScopes(SCOPES.map((x) => x.scope).filter((x) => (x === s ? !scopes.includes(x) : scopes.includes(x))));

  if (created) return <ShownOnce created={created} onDone={() => { setCreated(null); create.reset(); }} />;
  return (
    <form className="key-create" data-testid="key-create" noValidate
      onSubmit={(e) => { e.preventDefault(); create.mutate({ name: name.trim() || null, scopes }); }}>
      <label className="price-field">
        <span className="block-label">Name</span>
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="checkout-service (production)" maxLength={200} data-testid="key-name" />
      </label>
      <fieldset className="key-scopes">
        <legend className="block-label">Scopes</legend>
        {SCOPES.map(({ scope, what }) => (
          <label key={scope} className="choice">
            <input type="checkbox" checked={scopes.includes(scope)} onChange={() => toggle(scope)} data-testid={`key-scope-${scope}`} />
            <code>{scope}</code> <span className="faint">{what}</span>
          </label>
        ))}
      </fieldset>
      <div className="settings-actions">
        <button type="submit" className="btn primary" disabled={create.isPending} data-testid="key-create-submit">{create.isPending ? 'Creating…' : 'Create the key'}</button>
      </div>
      {create.isError && <div className="field-error" role="alert" data-testid="key-create-error">{create.error.message}</div>}
    </form>
  );
}

function ShownOnce({ created, onDone }: { created: CreatedKey; onDone: () => void }) {
  const box = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'refused' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('yes');
    } catch {
      // A browser that refuses the clipboard (permissions, an insecure origin) still lets the reader copy by hand.
      box.current?.select();
      setCopied('refused');
    }
  }
  return (
    <div className="key-once" role="region" aria-label="the new key" data-testid="key-once">
      <p className="key-once-title">
        Key <b>{created.name ?? created.prefix}</b> created with {created.scopes.map((s) => <span key={s} className="badge">{s}</span>)}
      </p>
      <p className="key-warning" data-testid="key-warning">
        Copy it now: it will not be shown again. Loupe keeps only a hash of it; if it is lost, revoke it and create another.
      </p>
      <div className="key-box">
        <input ref={box} className="input mono" readOnly value={created.key} aria-label="the new API key" data-testid="key-value"
          onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="btn primary" onClick={() => void copy()} data-testid="key-copy">Copy</button>
        <span role="status" className={copied === 'refused' ? 'warn' : 'saved'} data-testid="key-copied">
          {copied === 'yes' ? 'Copied.' : copied === 'refused' ? 'The browser refused the clipboard: the key is selected, press Ctrl+C.' : ''}
        </span>
      </div>
      <div className="settings-actions">
        <button type="button" className="btn" onClick={onDone} data-testid="key-done">Done: I have stored it</button>
      </div>
    </div>
  );
}
