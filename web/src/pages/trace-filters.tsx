// The trace list's controls: every GET /api/v1/traces filter, the `filter=` expression box with
// the grammar's error position shown under it, and metadata/score conditions as removable chips.
// Text boxes apply on Enter or when they lose focus, so typing does not fire a query per key.
import { useState } from 'react';
import { SPAN_KINDS } from '../components/kind';
import { useCommittedText } from '../lib/committed-text';
import { ApiError } from '../lib/api';
import { parsePair, setParam } from './list-params';
import { ScoreFilter } from '../feedback/score-filter';

const GRAMMAR = [
  'Fields: name, status, durationMs, startTime, userId, sessionId, environment, tags, model, kind,',
  'totalTokens, costUsd, spanCount, errorCount, provider, metadata.KEY, score.NAME, input, output',
  'Operators: = != > >= < <= contains in (…); and, or, not, ( )',
  'Example: kind = "llm" and (durationMs > 1000 or status = "error")',
  'The full grammar: docs/filters.md',
].join('\n');

interface Props {
  params: URLSearchParams;
  onChange: (next: URLSearchParams) => void;
  error: unknown;
}

/** A text box bound to one URL parameter, applied on Enter or blur. */
function ParamInput({ name, label, params, onChange, width, type = 'text' }: { name: string; label: string; params: URLSearchParams; onChange: Props['onChange']; width?: number; type?: string }) {
  const box = useCommittedText(params.get(name) ?? '', (text) => onChange(setParam(params, name, text)));
  return <input className="input" type={type} placeholder={label} aria-label={label} title={label} style={{ width }} data-testid={`f-${name}`} {...box} />;
}

function PairInput({ prefix, label, params, onChange, placeholder }: { prefix: 'metadata.' | 'score.'; label: string; params: URLSearchParams; onChange: Props['onChange']; placeholder: string }) {
  const [text, setText] = useState('');
  const [bad, setBad] = useState(false);
  const add = () => {
    if (!text.trim()) return;
    const pair = parsePair(prefix, text);
    if (!pair) return setBad(true);
    setBad(false);
    setText('');
    onChange(setParam(params, pair[0], pair[1]));
  };
  return (
    <input
      className={`input${bad ? ' invalid' : ''}`} placeholder={placeholder} aria-label={label} title={`${label}: ${placeholder}, Enter adds it`} value={text} style={{ width: 122 }}
      data-testid={`f-${prefix}`}
      onChange={(e) => { setText(e.target.value); setBad(false); }}
      onKeyDown={(e) => { if (e.key === 'Enter') add(); }}
      onBlur={add}
    />
  );
}

export function TraceFilters({ params, onChange, error }: Props) {
  const filterError = error instanceof ApiError && error.code === 'invalid_query' && (error.details as { parameter?: string } | undefined)?.parameter === 'filter' ? error : null;
  const chips: Array<{ key: string; label: string }> = [];
  for (const prefix of ['metadata.', 'score.'] as const) {
    params.forEach((v, k) => {
      if (k.startsWith(prefix)) chips.push({ key: k, label: `${prefix === 'score.' ? 'score ' : ''}${k.slice(prefix.length)}${v === '' ? '' : /[<>!]$/.test(k) ? `=${v}` : ` = ${v}`}` });
    });
  }
  for (const tag of params.getAll('tag')) chips.push({ key: `tag=${tag}`, label: `tag ${tag}` });
  const removeChip = (key: string) => {
    if (key.startsWith('tag=')) return onChange(setParam(params, 'tag', params.getAll('tag').filter((t) => t !== key.slice(4))));
    onChange(setParam(params, key, null));
  };
  return (
    <div className="filters" data-testid="filters">
      <div className="filter-row">
        <select className="input" aria-label="status" data-testid="f-status" value={params.get('status') ?? ''} onChange={(e) => onChange(setParam(params, 'status', e.target.value))}>
          <option value="">any status</option>
          <option value="success">success</option>
          <option value="error">error</option>
          <option value="pending">pending</option>
        </select>
        <select className="input" style={{ width: 108 }} aria-label="span kind" data-testid="f-kind" value={params.get('kind') ?? ''} onChange={(e) => onChange(setParam(params, 'kind', e.target.value))}>
          <option value="">any kind</option>
          {SPAN_KINDS.map((k) => <option key={k} value={k}>has {k}</option>)}
        </select>
        <ParamInput name="name" label="name contains" params={params} onChange={onChange} width={112} />
        <ParamInput name="userId" label="user" params={params} onChange={onChange} width={92} />
        <ParamInput name="sessionId" label="session" params={params} onChange={onChange} width={92} />
        <ParamInput name="environment" label="environment" params={params} onChange={onChange} width={96} />
        <ParamInput name="model" label="model" params={params} onChange={onChange} width={92} />
        <TagInput params={params} onChange={onChange} />
        <ParamInput name="minDurationMs" label="min ms" params={params} onChange={onChange} width={74} type="number" />
        <ParamInput name="maxDurationMs" label="max ms" params={params} onChange={onChange} width={74} type="number" />
        <PairInput prefix="metadata." label="metadata" placeholder="metadata k=v" params={params} onChange={onChange} />
        <ScoreFilter params={params} onChange={onChange} />
      </div>
      {chips.length > 0 && (
        <div className="filter-row chips-row">
          {chips.map((c) => (
            <span key={c.key} className="badge filter-chip" data-testid="filter-chip">
              {c.label}
              <button aria-label={`remove ${c.label}`} onClick={() => removeChip(c.key)}>×</button>
            </span>
          ))}
        </div>
      )}
      <FilterExpression params={params} onChange={onChange} error={filterError} />
    </div>
  );
}

function TagInput({ params, onChange }: { params: URLSearchParams; onChange: Props['onChange'] }) {
  const [text, setText] = useState('');
  const add = () => {
    const t = text.trim();
    if (!t) return;
    setText('');
    if (!params.getAll('tag').includes(t)) onChange(setParam(params, 'tag', [...params.getAll('tag'), t]));
  };
  return (
    <input className="input" placeholder="tag" aria-label="tag" title="tag (Enter adds it; all tags must match)" value={text} style={{ width: 70 }} data-testid="f-tag"
      onChange={(e) => setText(e.target.value)} onBlur={add} onKeyDown={(e) => { if (e.key === 'Enter') add(); }} />
  );
}

function FilterExpression({ params, onChange, error }: { params: URLSearchParams; onChange: Props['onChange']; error: ApiError | null }) {
  const current = params.get('filter') ?? '';
  const box = useCommittedText(current, (text) => onChange(setParam(params, 'filter', text)));
  const details = error?.details as { position?: number; token?: string; expected?: string[] } | undefined;
  const pos = details?.position;
  return (
    <div className="filter-expr">
      <div className="filter-row">
        <span className="faint mono">filter</span>
        <input
          className={`input mono${error ? ' invalid' : ''}`} data-testid="f-filter" aria-label="filter expression"
          placeholder='kind = "llm" and durationMs > 1000 and metadata.plan = "pro"   (Enter applies)' {...box}
        />
        <span className="faint help" title={GRAMMAR}>?</span>
      </div>
      {error && (
        <div className="filter-error" data-testid="filter-error" role="alert">
          {pos !== undefined && current && (
            <pre className="mono">
              {current}
              {'\n'}
              {' '.repeat(Math.min(pos, current.length))}^
            </pre>
          )}
          <span>{error.message}</span>
        </div>
      )}
    </div>
  );
}
