// One turn of a conversation: what the user asked and what came back, as two chat bubbles, with
// the turn's time, latency, tokens, cost and scores, and a link into its trace. Scores given to
// one span of the turn link to that span.
import { ScoreChips } from '../components/chips';
import { fmtCost, fmtDuration, fmtTime, fmtTokens } from '../lib/format';
import { spanHref, traceHref } from '../lib/links';
import { linkClick } from '../lib/router';
import type { TraceRow } from '../lib/types';
import { FoldText } from '../span/fold-text';
import { turnText } from './turn-text';

export function Turn({ trace, n }: { trace: TraceRow; n: number }) {
  const asked = turnText(trace.input, 'input');
  const answered = turnText(trace.output, 'output');
  const scores = trace.scores ?? [];
  const traceScores = scores.filter((s) => !s.spanId);
  const spanScores = scores.filter((s) => s.spanId);
  return (
    <article className={`turn${trace.status === 'error' ? ' error' : ''}`} data-testid="turn" data-trace-id={trace.id} data-turn={n}>
      <div className="turn-meta">
        <a className="turn-no" href={traceHref(trace.id)} onClick={linkClick} data-testid="turn-link" title={`open trace ${trace.id}`}>#{n}</a>
        <span className="mono faint" title={trace.startTime}>{fmtTime(trace.startTime)}</span>
        {trace.name && <span className="muted ellipsis">{trace.name}</span>}
        {trace.status !== 'success' && <span className={`status status-${trace.status}`}>● {trace.status}</span>}
        <span className="spacer" />
        <span className="badge" data-testid="chip-latency" title="latency">{fmtDuration(trace.durationMs)}</span>
        <span className="badge" data-testid="chip-tokens" title={`${trace.inputTokens} in / ${trace.outputTokens} out`}>{fmtTokens(trace.totalTokens)} tok</span>
        <span className="badge" data-testid="chip-cost" title="cost">{fmtCost(trace.costUsd)}</span>
        {traceScores.length > 0 && <span data-testid="turn-scores"><ScoreChips scores={traceScores} max={6} /></span>}
        {spanScores.map((s, i) => (
          <a key={i} className="span-score" href={spanHref(trace.id, s.spanId ?? '')} onClick={linkClick} data-testid="span-score-link" title={`on span ${s.spanId}: open it`}>
            <ScoreChips scores={[s]} max={1} />
          </a>
        ))}
        <a href={traceHref(trace.id)} onClick={linkClick} className="turn-open">trace →</a>
      </div>
      <div className="bubble-row user">
        <div className="bubble user" data-testid="bubble-user">
          {asked === null ? <span className="faint">(no input)</span> : <FoldText text={asked} lines={8} chars={900} />}
        </div>
      </div>
      <div className="bubble-row assistant">
        <div className={`bubble assistant${trace.status === 'error' ? ' error' : ''}`} data-testid="bubble-assistant">
          {answered === null ? <span className="faint">{trace.status === 'pending' ? '(still running)' : '(no output)'}</span> : <FoldText text={answered} lines={8} chars={900} />}
        </div>
      </div>
    </article>
  );
}
