// A user's score summaries as chips: the mean of numeric and boolean scores, and each categorical
// value with how often it was given.
import { fmtScore } from '../lib/format';
import type { UserScoreSummary } from '../lib/rollup-types';

export function UserScores({ scores, max = 4 }: { scores: UserScoreSummary[]; max?: number }) {
  if (!scores.length) return <span className="faint">–</span>;
  const chips: { key: string; text: string; title: string }[] = [];
  for (const s of scores) {
    if (s.mean !== null) chips.push({ key: `${s.name}#mean`, text: `${s.name}: ${fmtScore(s.mean)}`, title: `${s.name}: mean ${s.mean} over ${s.count} score${s.count === 1 ? '' : 's'}` });
    for (const [v, n] of Object.entries(s.values)) chips.push({ key: `${s.name}=${v}`, text: `${s.name}: ${v} ×${n}`, title: `${s.name} = ${v}, given ${n} time${n === 1 ? '' : 's'}` });
  }
  return (
    <span className="chips" data-testid="user-scores">
      {chips.slice(0, max).map((c) => <span key={c.key} className="badge score" title={c.title}>{c.text}</span>)}
      {chips.length > max && <span className="faint">+{chips.length - max}</span>}
    </span>
  );
}
