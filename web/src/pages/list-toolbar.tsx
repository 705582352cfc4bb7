// The trace list's toolbar: full-text search, time range (presets or custom), order, live/pause.
import { useState } from 'react';
import { useCommittedText } from '../lib/committed-text';
import { RANGES, setParam } from './list-params';

interface Props {
  params: URLSearchParams;
  setParams: (p: URLSearchParams) => void;
  live: boolean;
  order: 'asc' | 'desc';
  searchRef: React.RefObject<HTMLInputElement | null>;
}

/** An ISO time as the value of a datetime-local box (local time, minutes). */
function localInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function ListToolbar({ params, setParams, live, order, searchRef }: Props) {
  const search = useCommittedText(params.get('q') ?? '', (q) => setParams(setParam(params, 'q', q)));
  const range = params.get('from') || params.get('to') ? 'custom' : params.get('range') ?? 'all';
  const [custom, setCustom] = useState(range === 'custom');
  // A date box is applied when it loses focus: editing its day, month, hour… one by one would
  // otherwise push a history entry and fetch the list at each step.
  const setTime = (name: 'from' | 'to', local: string) => {
    const iso = local ? new Date(local).toISOString() : null;
    if (iso === params.get(name) || (iso === null && !params.get(name))) return;
    setParams(setParam(setParam(params, 'range', null), name, iso));
  };
  const liveOn = live && order === 'desc';
  return (
    <div className="toolbar">
      <input ref={searchRef} className="input search" type="search" placeholder="Search names, inputs and outputs  ( / )" aria-label="search" data-testid="search" {...search} />
      <div className="seg" role="group" aria-label="time range">
        {RANGES.map((r) => (
          <button key={r.id} className={`btn small${range === r.id ? ' active' : ''}`} data-testid={`range-${r.id}`}
            onClick={() => { setCustom(false); setParams(setParam(setParam(setParam(params, 'from', null), 'to', null), 'range', r.id === 'all' ? null : r.id)); }}>
            {r.label}
          </button>
        ))}
        <button className={`btn small${range === 'custom' || custom ? ' active' : ''}`} onClick={() => setCustom(true)}>Custom</button>
      </div>
      {(custom || range === 'custom') && (
        <span className="custom-range">
          <input key={params.get('from') ?? ''} className="input" type="datetime-local" aria-label="from" data-testid="range-from" defaultValue={localInput(params.get('from'))} onBlur={(e) => setTime('from', e.target.value)} />
          <span className="faint">→</span>
          <input key={params.get('to') ?? ''} className="input" type="datetime-local" aria-label="to" data-testid="range-to" defaultValue={localInput(params.get('to'))} onBlur={(e) => setTime('to', e.target.value)} />
        </span>
      )}
      <select className="input" aria-label="order" value={order} onChange={(e) => setParams(setParam(params, 'order', e.target.value === 'asc' ? 'asc' : null))}>
        <option value="desc">Newest first</option>
        <option value="asc">Oldest first</option>
      </select>
      <span className="spacer" />
      <button
        className={`btn small${liveOn ? ' live' : ''}`} data-testid="live" disabled={order === 'asc'}
        title={order === 'asc' ? 'Live updates follow the newest traces: sort newest first' : live ? 'Pause live updates' : 'Resume live updates'}
        onClick={() => setParams(setParam(params, 'live', live ? 'off' : null))}
      >
        {liveOn ? '● Live' : '❚❚ Paused'}
      </button>
    </div>
  );
}
