// Scores as chips: thumbs and booleans as up/down, numbers and categories as name: value.
import { fmtScore } from '../lib/format';

export interface ChipScore {
  name: string;
  value: number | string | boolean;
  comment?: string | null;
  source?: string;
}

function tone(s: ChipScore): string {
  const v = s.value;
  if (v === true || v === 'up' || v === 'positive' || v === 'good' || v === 'correct') return 'good';
  if (v === false || v === 'down' || v === 'negative' || v === 'bad' || v === 'incorrect') return 'bad';
  if (typeof v === 'number' && /thumb|like|vote/i.test(s.name)) return v > 0 ? 'good' : 'bad';
  return '';
}

export function ScoreChips({ scores, max = 4 }: { scores: ChipScore[]; max?: number }) {
  if (!scores.length) return <span className="faint">–</span>;
  const shown = scores.slice(0, max);
  return (
    <span className="chips">
      {shown.map((s, i) => {
        const t = tone(s);
        const label = t && /thumb/i.test(s.name) ? <Thumb up={t === 'good'} /> : `${s.name}: ${fmtScore(s.value)}`;
        return (
          <span key={i} className={`badge score ${t}`} title={`${s.name} = ${String(s.value)}${s.source ? ` (${s.source})` : ''}${s.comment ? `\n${s.comment}` : ''}`}>
            {label}
          </span>
        );
      })}
      {scores.length > max && <span className="faint">+{scores.length - max}</span>}
    </span>
  );
}

/** A thumb drawn, not an emoji: many machines (and headless browsers) have no emoji font. */
export function Thumb({ up }: { up: boolean }) {
  return (
    <svg width="12" height="12" viewBox="0 0 24 24" aria-label={up ? 'thumbs up' : 'thumbs down'} role="img" style={up ? undefined : { transform: 'rotate(180deg)' }}>
      <path fill="currentColor" d="M2 21h4V9H2v12zm20-11c0-1.1-.9-2-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10c0 1.1.9 2 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z" />
    </svg>
  );
}
