// Settings › Retention: how many days the project keeps traces (docs/retention.md). The form is a
// choice between keeping forever and a number of days; the API judges the number, and what it
// says about a bad one is shown beside the box.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, errorText } from '../lib/api';
import type { RetentionSettings as Retention } from './types';

const PATH = '/api/v1/project/retention';
const QUERY = ['settings', 'retention'];

function describe(days: number | null): string {
  return days === null ? 'Traces are kept forever.' : `Traces that started more than ${days} day${days === 1 ? '' : 's'} ago are deleted.`;
}

export function RetentionSettings() {
  const qc = useQueryClient();
  const current = useQuery({ queryKey: QUERY, queryFn: () => api<Retention>(PATH), staleTime: 0 });
  const [mode, setMode] = useState<'forever' | 'days'>('forever');
  const [days, setDays] = useState('30');
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (body: Retention) => api<Retention>(PATH, { method: 'PUT', body: JSON.stringify(body) }),
    onSuccess: (saved) => qc.setQueryData(QUERY, saved),
  });

  // The form starts from what is stored, and follows it after a save.
  const stored = current.data?.days;
  useEffect(() => {
    if (stored === undefined) return;
    setMode(stored === null ? 'forever' : 'days');
    if (stored !== null) setDays(String(stored));
  }, [stored]);

  if (current.isPending) return <p className="muted">Loading the retention…</p>;
  if (current.isError) return <div className="error-box" role="alert"><b>Cannot read the retention.</b> {errorText(current.error)}</div>;

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setProblem(null);
    save.reset();
    if (mode === 'forever') return save.mutate({ days: null });
    // An empty box has no number to send; anything else typed goes to the API, which says what is wrong with it.
    if (days.trim() === '') return setProblem('Enter a number of days.');
    save.mutate({ days: Number(days) });
  }

  const error = problem ?? (save.isError ? save.error.message : null);
  return (
    <div className="settings-section" data-testid="retention">
      <h1>Retention</h1>
      <p className="muted">
        A background purge runs on the server (every minute by default) and deletes, for good, the traces that <b>started</b> more than
        the chosen number of days ago, with their spans, scores and tags; session and user totals drop them at the same time.
        Traces stored before you change this are judged by the new setting on the next pass. The details, including what
        it frees on disk, are in <code>docs/retention.md</code>.
      </p>
      <p className="settings-now" data-testid="retention-current">
        <span className="faint">Now:</span> {describe(current.data.days)}
      </p>
      <form className="settings-form" onSubmit={submit} noValidate>
        <fieldset>
          <legend>Keep traces</legend>
          <label className="choice">
            <input type="radio" name="retention" value="forever" checked={mode === 'forever'} onChange={() => setMode('forever')} data-testid="retention-forever" />
            forever
          </label>
          <label className="choice">
            <input type="radio" name="retention" value="days" checked={mode === 'days'} onChange={() => setMode('days')} data-testid="retention-limited" />
            for
            <input className={`input days${error ? ' invalid' : ''}`} type="number" inputMode="numeric" min={1} max={36500} step={1}
              aria-label="days to keep traces" aria-invalid={error ? true : undefined} aria-describedby={error ? 'retention-error' : undefined}
              value={days} data-testid="retention-days"
              onChange={(e) => setDays(e.target.value)} onFocus={() => setMode('days')} />
            days, then delete them
          </label>
        </fieldset>
        {error && <div className="field-error" id="retention-error" role="alert" data-testid="retention-error">{error}</div>}
        <div className="settings-actions">
          <button className="btn primary" type="submit" disabled={save.isPending} data-testid="retention-save">{save.isPending ? 'Saving…' : 'Save'}</button>
          {save.isSuccess && <span className="saved" role="status" data-testid="retention-saved">Saved. {describe(save.data.days)}</span>}
        </div>
      </form>
    </div>
  );
}
