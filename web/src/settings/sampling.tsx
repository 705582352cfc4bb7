// Settings › Sampling (docs/sampling.md): the project's rules as the API has them (which surfaces
// sample, keep errors, latency and cost thresholds, the rate for the rest), saved with one PUT of
// the whole set. Empty threshold boxes mean "off" (null); the API judges the numbers.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, errorText } from '../lib/api';
import type { SamplingRules } from '../../../src/ingest/sampling';
import './sampling.css';

const PATH = '/api/v1/project/sampling';
const QUERY = ['settings', 'sampling'];

interface Draft {
  appliesTo: SamplingRules['appliesTo'];
  keepErrors: boolean;
  minDurationMs: string;
  minCostUsd: string;
  successRate: string;
}

type Field = keyof Draft;

const box = (n: number | null) => (n === null ? '' : String(n));
const draftOf = (r: SamplingRules): Draft => ({
  appliesTo: r.appliesTo, keepErrors: r.keepErrors, minDurationMs: box(r.minDurationMs), minCostUsd: box(r.minCostUsd), successRate: box(r.successRate),
});
const threshold = (v: string) => (v.trim() === '' ? null : Number(v));

function bodyOf(d: Draft): SamplingRules {
  return { appliesTo: d.appliesTo, keepErrors: d.keepErrors, minDurationMs: threshold(d.minDurationMs), minCostUsd: threshold(d.minCostUsd), successRate: Number(d.successRate) };
}

/** The rules in one sentence, as they decide now. */
function describe(r: SamplingRules): string {
  const keeps = [
    r.keepErrors && 'every trace with an error',
    r.minDurationMs !== null && `every trace lasting ${r.minDurationMs} ms or more`,
    r.minCostUsd !== null && `every trace costing $${r.minCostUsd} or more`,
  ].filter(Boolean);
  const rest = r.successRate === 0 ? 'none' : `${+(r.successRate * 100).toFixed(4)}%`;
  const where = r.appliesTo === 'all' ? 'Every ingestion surface' : 'Only POST /api/collector (Evalgate)';
  const lead = r.appliesTo === 'all' ? '' : '; every other surface stores everything';
  if (r.successRate === 1) return `${where} samples${lead}. At a rate of 1 it keeps every trace.`;
  if (r.successRate === 0 && keeps.length === 0) return `${where} samples${lead}. It keeps nothing: no rule keeps a trace and the rate is 0.`;
  return `${where} samples${lead}. It keeps ${keeps.length ? `${keeps.join(', ')}, and ` : ''}${rest} of the rest.`;
}

/** The API names the field first ("successRate: Too big…"); that pins the message to its box. */
function fieldOf(message: string): Field | null {
  const m = /^(\w+): /.exec(message);
  return m && ['appliesTo', 'keepErrors', 'minDurationMs', 'minCostUsd', 'successRate'].includes(m[1]) ? (m[1] as Field) : null;
}

export function SamplingSettings() {
  const qc = useQueryClient();
  const current = useQuery({ queryKey: QUERY, queryFn: () => api<SamplingRules>(PATH), staleTime: 0 });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [problem, setProblem] = useState<{ field: Field | null; text: string } | null>(null);
  const save = useMutation({
    mutationFn: (body: SamplingRules) => api<SamplingRules>(PATH, { method: 'PUT', body: JSON.stringify(body) }),
    onSuccess: (rules) => {
      qc.setQueryData(QUERY, rules);
      setDraft(draftOf(rules));
    },
    onError: (e) => setProblem({ field: fieldOf(e.message), text: e.message }),
  });
  // The form starts from what is stored.
  const stored = current.data;
  useEffect(() => {
    if (stored && draft === null) setDraft(draftOf(stored));
  }, [stored, draft]);

  if (current.isPending || (current.isSuccess && draft === null)) return <p className="muted">Loading the sampling rules…</p>;
  if (current.isError) return <div className="error-box" role="alert"><b>Cannot read the sampling rules.</b> {errorText(current.error)}</div>;
  if (draft === null) return <></>;

  const dirty = JSON.stringify(draft) !== JSON.stringify(draftOf(current.data));
  const set = (patch: Partial<Draft>) => { setDraft({ ...draft, ...patch }); save.reset(); };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(null);
    save.reset();
    // An empty rate has no number to send; everything else typed goes to the API, which says what is wrong with it.
    if (draft.successRate.trim() === '') return setProblem({ field: 'successRate', text: 'Enter a rate from 0 to 1 (1 keeps every trace).' });
    save.mutate(bodyOf(draft));
  };
  const err = (f: Field) => (problem?.field === f ? problem.text : null);
  const errorOf = (f: Field) => err(f) && <div className="field-error" id={`sampling-${f}-error`} role="alert" data-testid={`sampling-error-${f}`}>{err(f)}</div>;
  const numberBox = (f: 'minDurationMs' | 'minCostUsd' | 'successRate', label: string, extra: React.InputHTMLAttributes<HTMLInputElement>) => (
    <input className={`input num${err(f) ? ' invalid' : ''}`} type="number" inputMode="decimal" aria-label={label} value={draft[f]} data-testid={`sampling-${f}`}
      aria-invalid={err(f) ? true : undefined} aria-describedby={err(f) ? `sampling-${f}-error` : undefined}
      onChange={(e) => set({ [f]: e.target.value })} {...extra} />
  );

  return (
    <div className="settings-section" data-testid="sampling">
      <h1>Sampling</h1>
      <p className="muted">
        Sampling decides, before anything is written, which traces are stored. A trace is kept when any rule keeps it; the
        rate decides from a hash of the trace id alone, so every piece and every retry of a trace gets the same answer and a
        trace is kept or left out whole. Sampled-out traces are acknowledged like stored ones. Changes apply from the next
        request on. See <code>docs/sampling.md</code>.
      </p>
      <p className="settings-now" data-testid="sampling-current"><span className="faint">Now:</span> {describe(current.data)}</p>
      <form className="settings-form sampling-form" onSubmit={submit} noValidate>
        <fieldset>
          <legend>Where it applies</legend>
          <label className="choice">
            <input type="radio" name="appliesTo" checked={draft.appliesTo === 'collector'} onChange={() => set({ appliesTo: 'collector' })} data-testid="sampling-collector" />
            <span>only <code>POST /api/collector</code> (Evalgate batches); other surfaces store everything</span>
          </label>
          <label className="choice">
            <input type="radio" name="appliesTo" checked={draft.appliesTo === 'all'} onChange={() => set({ appliesTo: 'all' })} data-testid="sampling-all" />
            <span>every ingestion surface (OTLP, the native API, Langfuse, collector…)</span>
          </label>
          <p className="faint">Traces and spans created one at a time (<code>POST /api/traces</code>) are never sampled.</p>
        </fieldset>

        <fieldset>
          <legend>Keep a trace when</legend>
          <label className="choice">
            <input type="checkbox" checked={draft.keepErrors} onChange={(e) => set({ keepErrors: e.target.checked })} data-testid="sampling-keepErrors" />
            it, or one of its spans in the request, has an error
          </label>
          <label className="choice">
            it lasts at least {numberBox('minDurationMs', 'minimum duration in ms (empty: off)', { min: 0, step: 'any', placeholder: 'off' })} ms
          </label>
          {errorOf('minDurationMs')}
          <label className="choice">
            its LLM and embedding spans cost at least ${numberBox('minCostUsd', 'minimum cost in USD (empty: off)', { min: 0, step: 'any', placeholder: 'off' })}
          </label>
          {errorOf('minCostUsd')}
          <label className="choice">
            otherwise, keep a fraction {numberBox('successRate', 'fraction of the other traces kept, 0 to 1', { min: 0, max: 1, step: 'any' })}
            <span className="faint" data-testid="sampling-percent">
              {draft.successRate.trim() !== '' && Number.isFinite(Number(draft.successRate)) ? `(${+(Number(draft.successRate) * 100).toFixed(4)}% of them)` : ''}
            </span>
          </label>
          {errorOf('successRate')}
          <p className="faint">An empty threshold is off. The fraction goes from 0 (keep none of the rest) to 1 (store everything).</p>
        </fieldset>

        {problem && problem.field === null && <div className="field-error" role="alert" data-testid="sampling-error">{problem.text}</div>}
        <div className="settings-actions">
          <button className="btn primary" type="submit" disabled={save.isPending} data-testid="sampling-save">{save.isPending ? 'Saving…' : 'Save'}</button>
          <button type="button" className="btn" disabled={!dirty || save.isPending} data-testid="sampling-discard"
            onClick={() => { setDraft(draftOf(current.data)); setProblem(null); save.reset(); }}>Discard changes</button>
          {dirty && <span className="warn" data-testid="sampling-dirty">Unsaved changes</span>}
          {!dirty && save.isSuccess && <span className="saved" role="status" data-testid="sampling-saved">Saved. The rules apply from the next request on.</span>}
        </div>
      </form>
    </div>
  );
}
