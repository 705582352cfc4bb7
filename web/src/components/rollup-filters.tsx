// The controls of the session and user lists, held in the URL: a time range (preset or custom
// from/to), the one id filter each list API takes (userId or sessionId), and the filter=
// expression over the rollup's fields.
import { useCommittedText } from '../lib/committed-text';
import { RANGES, setParam } from '../pages/list-params';

interface Props {
  params: URLSearchParams;
  setParams: (p: URLSearchParams) => void;
  /** The list API's id filter and how to label it. */
  idParam: 'userId' | 'sessionId';
  idLabel: string;
  filterHint: string;
  error: string | null;
}

export function RollupFilters({ params, setParams, idParam, idLabel, filterHint, error }: Props) {
  const id = useCommittedText(params.get(idParam) ?? '', (v) => setParams(setParam(params, idParam, v)));
  const filter = useCommittedText(params.get('filter') ?? '', (v) => setParams(setParam(params, 'filter', v)));
  const range = params.get('from') || params.get('to') ? 'custom' : params.get('range') ?? 'all';
  return (
    <div className="filters" data-testid="rollup-filters">
      <div className="toolbar">
        <div className="seg" role="group" aria-label="time range">
          {RANGES.map((r) => (
            <button key={r.id} className={`btn small${range === r.id ? ' active' : ''}`} data-testid={`range-${r.id}`}
              onClick={() => setParams(setParam(setParam(setParam(params, 'from', null), 'to', null), 'range', r.id === 'all' ? null : r.id))}>
              {r.label}
            </button>
          ))}
          {range === 'custom' && <button className="btn small active" title={`${params.get('from') ?? '…'} → ${params.get('to') ?? '…'}`}>Custom</button>}
        </div>
        <input className="input" type="search" placeholder={idLabel} aria-label={idLabel} data-testid={`f-${idParam}`} {...id} />
        <input className="input rollup-expr" type="search" placeholder={filterHint} aria-label="filter expression" data-testid="f-filter" {...filter} />
      </div>
      {error && <div className="filter-error" role="alert" data-testid="filter-error">{error}</div>}
    </div>
  );
}

/** The list API's query for the URL: its filters as they are, a preset range resolved to `from`. */
export function rollupQuery(url: URLSearchParams, idParam: string, now: number): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of ['from', 'to', idParam, 'filter']) {
    const v = url.get(k);
    if (v) out.set(k, v);
  }
  const range = RANGES.find((r) => r.id === url.get('range'));
  if (range && range.ms > 0 && !out.get('from')) out.set('from', new Date(now - range.ms).toISOString());
  return out;
}
