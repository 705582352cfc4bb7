// The metrics page's controls, each writing one URL parameter: range preset or custom from/to,
// bucket size, grouping, how many groups to draw, and whether rates and sums count traces or spans.
import { useState } from 'react';
import { GROUP_BYS, INTERVALS, METRIC_RANGES, type MetricsState } from './metrics-params';

interface Props {
  state: MetricsState;
  params: URLSearchParams;
  onChange: (next: URLSearchParams) => void;
  onRefresh: () => void;
  fetching: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** An instant as a datetime-local value, in the reader's time zone. */
function localInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function set(params: URLSearchParams, changes: Record<string, string | null>): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') next.delete(k);
    else next.set(k, v);
  }
  return next;
}

export function MetricsToolbar({ state: s, params, onChange, onRefresh, fetching }: Props) {
  const [custom, setCustom] = useState(s.rangeId === 'custom');
  const setTime = (name: 'from' | 'to', local: string) => {
    const ms = Date.parse(local);
    if (!local || !Number.isFinite(ms)) return onChange(set(params, { [name]: null }));
    // A custom range starts from the window shown, so setting only "to" keeps the "from" in view.
    onChange(set(params, { range: null, from: name === 'from' ? new Date(ms).toISOString() : params.get('from') ?? new Date(s.fromMs).toISOString(), ...(name === 'to' ? { to: new Date(ms).toISOString() } : {}) }));
  };
  return (
    <div className="toolbar mx-toolbar" data-testid="metrics-toolbar">
      <div className="seg" role="group" aria-label="time range">
        {METRIC_RANGES.map((r) => (
          <button key={r.id} className={`btn small${s.rangeId === r.id && !custom ? ' active' : ''}`} data-testid={`mrange-${r.id}`}
            onClick={() => { setCustom(false); onChange(set(params, { range: r.id, from: null, to: null })); }}>
            {r.label}
          </button>
        ))}
        <button className={`btn small${s.rangeId === 'custom' || custom ? ' active' : ''}`} data-testid="mrange-custom" onClick={() => setCustom(true)}>Custom</button>
      </div>
      {(custom || s.rangeId === 'custom') && (
        <span className="custom-range">
          <input key={`f${s.fromMs}`} className="input" type="datetime-local" aria-label="from" data-testid="mrange-from" defaultValue={localInput(s.fromMs)} onBlur={(e) => setTime('from', e.target.value)} />
          <span className="faint">to</span>
          <input key={`t${s.toMs}`} className="input" type="datetime-local" aria-label="to" data-testid="mrange-to" defaultValue={localInput(s.toMs)} onBlur={(e) => setTime('to', e.target.value)} />
        </span>
      )}
      <label className="mx-field">
        <span className="faint">bucket</span>
        <select className="input" data-testid="m-interval" value={s.autoInterval ? '' : s.interval} onChange={(e) => onChange(set(params, { interval: e.target.value }))}>
          <option value="">auto ({s.interval})</option>
          {INTERVALS.map((i) => <option key={i.id} value={i.id}>{i.id}</option>)}
        </select>
      </label>
      <label className="mx-field">
        <span className="faint">group by</span>
        <select className="input" data-testid="m-groupBy" value={s.groupBy ?? ''} onChange={(e) => onChange(set(params, { groupBy: e.target.value }))}>
          <option value="">nothing</option>
          {GROUP_BYS.map((g) => <option key={g} value={g}>{g === 'userId' ? 'user' : g}</option>)}
        </select>
      </label>
      {s.groupBy && (
        <label className="mx-field">
          <span className="faint">top</span>
          <select className="input" data-testid="m-top" value={String(s.top)} onChange={(e) => onChange(set(params, { top: e.target.value === '5' ? null : e.target.value }))}>
            {[3, 5, 10, 20].map((n) => <option key={n} value={n}>{n} + other</option>)}
          </select>
        </label>
      )}
      <div className="seg" role="group" aria-label="count">
        {(['trace', 'span'] as const).map((l) => (
          <button key={l} className={`btn small${s.level === l ? ' active' : ''}`} data-testid={`m-level-${l}`} title={`error rate, latency, tokens and cost over ${l}s`}
            onClick={() => onChange(set(params, { level: l === 'trace' ? null : l }))}>
            {l}s
          </button>
        ))}
      </div>
      <span className="spacer" />
      <span className="faint" data-testid="m-buckets">{s.buckets.toLocaleString()} buckets of {s.interval}</span>
      <button className="btn small" onClick={onRefresh} disabled={fetching} data-testid="m-refresh">{fetching ? 'Loading…' : 'Refresh'}</button>
    </div>
  );
}
