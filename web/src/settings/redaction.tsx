// Settings › Redaction (docs/redaction.md): the built-in detectors as switches, the project's own
// regex rules, Save (one PUT of the whole set), what each rule masked on this server since it
// started, and a dry run of the rules as edited. Edits stay on the page until saved.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorText } from '../lib/api';
import { fmtTime } from '../lib/format';
import { bodyOf, draftOf, sameRules, type Draft } from './redaction-draft';
import { CustomRulesTable } from './redaction-rules';
import { TryRedaction } from './redaction-try';
import { BUILTINS, type RedactionView } from './types';

const PATH = '/api/v1/project/redaction';
const QUERY = ['settings', 'redaction'];

export function RedactionSettings() {
  const current = useQuery({ queryKey: QUERY, queryFn: () => api<RedactionView>(PATH), staleTime: 0 });
  if (current.isPending) return <p className="muted">Loading the redaction rules…</p>;
  if (current.isError) return <div className="error-box" role="alert"><b>Cannot read the redaction rules.</b> {errorText(current.error)}</div>;
  return <RedactionForm view={current.data} refresh={() => void current.refetch()} refreshing={current.isFetching} />;
}

function RedactionForm({ view, refresh, refreshing }: { view: RedactionView; refresh: () => void; refreshing: boolean }) {
  const qc = useQueryClient();
  // The draft is taken from the server once; a refetch (counters) does not overwrite edits.
  const [draft, setDraft] = useState<Draft>(() => draftOf(view));
  const [saved, setSaved] = useState<Draft>(() => draftOf(view));
  const save = useMutation({
    mutationFn: (d: Draft) => api<RedactionView>(PATH, { method: 'PUT', body: JSON.stringify(bodyOf(d)) }),
    onSuccess: (answer) => {
      qc.setQueryData(QUERY, answer);
      setDraft(draftOf(answer));
      setSaved(draftOf(answer));
    },
  });
  const dirty = !sameRules(draft, saved);
  const masked = view.counters.masked;
  const maskedTotal = Object.values(masked).reduce((a, b) => a + b, 0);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    save.mutate(draft);
  }

  return (
    <div className="settings-section" data-testid="redaction">
      <h1>Redaction</h1>
      <p className="muted">
        Rules mask secrets and personal data when traces arrive, before anything is written: the database, exports and every
        read hold only the masked text, such as <code>[REDACTED:email]</code>. They apply to inputs, outputs, metadata,
        attributes, events, errors and score comments, not to ids, names, models or tags. They are not retroactive: traces
        stored before a rule was switched on keep their text. See <code>docs/redaction.md</code>.
      </p>
      <form onSubmit={submit} noValidate>
        <section className="settings-block" aria-labelledby="builtins-title">
          <h2 id="builtins-title">Built-in rules</h2>
          <ul className="switch-list">
            {BUILTINS.map((b) => (
              <li key={b.name}>
                <label className="switch-row" data-testid={`builtin-${b.name}`}>
                  <input type="checkbox" role="switch" className="switch" checked={draft.builtins[b.name]}
                    onChange={(e) => setDraft({ ...draft, builtins: { ...draft.builtins, [b.name]: e.target.checked } })} />
                  <span className="switch-text">
                    <code className="rule-name">{b.name}</code>
                    <span className="muted">{b.masks}</span>
                  </span>
                  <span className="count" data-testid={`builtin-${b.name}-masked`} title="values masked since the server started">{masked[b.name] ?? 0} masked</span>
                </label>
              </li>
            ))}
          </ul>
        </section>

        <section className="settings-block" aria-labelledby="custom-title">
          <h2 id="custom-title">Custom rules</h2>
          <p className="muted">
            JavaScript regular expressions, tried before the built-ins. Patterns that could stall ingest (nested repeats,
            back-references, slow on hostile text) are refused on save; prefer bounded repeats such as <code>{'{1,64}'}</code>.
          </p>
          <CustomRulesTable rules={draft.rules} masked={masked} onChange={(rules) => setDraft({ ...draft, rules })} />
        </section>

        <div className="settings-actions">
          <button className="btn primary" type="submit" disabled={save.isPending} data-testid="redaction-save">{save.isPending ? 'Saving…' : 'Save'}</button>
          <button type="button" className="btn" disabled={!dirty || save.isPending} data-testid="redaction-discard"
            onClick={() => { setDraft(saved); save.reset(); }}>Discard changes</button>
          {dirty && <span className="warn" data-testid="redaction-dirty">Unsaved changes</span>}
          {!dirty && save.isSuccess && <span className="saved" role="status" data-testid="redaction-saved">Saved. The rules apply from the next request on.</span>}
        </div>
        {save.isError && <div className="field-error" role="alert" data-testid="redaction-error">{save.error.message}</div>}
      </form>

      <section className="settings-block" aria-labelledby="counters-title">
        <h2 id="counters-title">What was masked</h2>
        <p className="muted">
          Values masked per rule by this server since it started at {fmtTime(view.counters.since)} (kept in memory: a restart
          starts again from zero; dry runs are not counted).{' '}
          <button type="button" className="btn small" onClick={refresh} disabled={refreshing} data-testid="counters-refresh">{refreshing ? 'Refreshing…' : 'Refresh'}</button>
        </p>
        {maskedTotal === 0 ? (
          <p className="faint" data-testid="counters-empty">Nothing masked yet.</p>
        ) : (
          <table className="counters" data-testid="counters">
            <thead><tr><th scope="col">Rule</th><th scope="col" className="num">Values masked</th></tr></thead>
            <tbody>
              {Object.entries(masked).sort((a, b) => b[1] - a[1]).map(([rule, n]) => (
                <tr key={rule} data-testid="counter-row" data-rule={rule}><td><code>{rule}</code></td><td className="num">{n}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <TryRedaction draft={draft} edited={dirty} />
    </div>
  );
}
