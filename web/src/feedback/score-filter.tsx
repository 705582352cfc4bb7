// The trace list's score condition: a score name, an operator (the order comparisons are for
// numeric scores) and a value, added to the URL as score.NAME=VALUE (or score.NAME>=N …) like
// the list's other filters, and shown as a removable chip by the filters above it.
import { useState } from 'react';
import { parsePair, setParam } from '../pages/list-params';
import './feedback.css';

const OPS = ['=', '!=', '>=', '>', '<=', '<'] as const;

interface Props {
  params: URLSearchParams;
  onChange: (next: URLSearchParams) => void;
}

export function ScoreFilter({ params, onChange }: Props) {
  const [name, setName] = useState('');
  const [op, setOp] = useState<(typeof OPS)[number]>('=');
  const [value, setValue] = useState('');
  const [bad, setBad] = useState(false);
  const add = () => {
    // The dashboard's own feedback is the usual question: an empty name means "thumbs".
    const pair = parsePair('score.', `${name.trim() || 'thumbs'}${op}${value.trim()}`);
    const numeric = op !== '=' && op !== '!=';
    if (!pair || !value.trim() || (numeric && !Number.isFinite(Number(value)))) return setBad(true);
    setBad(false);
    setValue('');
    onChange(setParam(params, pair[0], pair[1]));
  };
  const onKey = (e: React.KeyboardEvent) => { if (e.key === 'Enter') add(); };
  return (
    <span className="score-filter" data-testid="f-score" title="Traces with a score: a name (thumbs when empty), an operator (>, <… for numeric scores) and a value; Enter adds it">
      <input className="input" placeholder="score" aria-label="score name" value={name} data-testid="f-score-name" onChange={(e) => setName(e.target.value)} onKeyDown={onKey} />
      <select className="input" aria-label="score operator" value={op} data-testid="f-score-op" onChange={(e) => setOp(e.target.value as (typeof OPS)[number])}>
        {OPS.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
      <input className={`input${bad ? ' invalid' : ''}`} placeholder={op === '=' || op === '!=' ? 'down' : '0.8'} aria-label="score value" value={value} data-testid="f-score-value"
        onChange={(e) => { setValue(e.target.value); setBad(false); }} onKeyDown={onKey} />
      <button className="btn small" onClick={add} data-testid="f-score-add" aria-label="add score filter">+</button>
    </span>
  );
}
