// Thumbs up / down and an optional comment on a trace (its header) or a span (its panel). A thumb
// is sent at once; the comment box opens beside it and sends the same score again with the text.
import { useState } from 'react';
import { Thumb } from '../components/chips';
import { errorText } from '../lib/api';
import type { Score } from '../lib/types';
import { ownFeedback, useCanScore, useSendFeedback, type Thumb as ThumbValue } from './feedback-api';
import './feedback.css';

interface Props {
  traceId: string;
  spanId: string | null;
  scores: Score[];
}

export function Feedback({ traceId, spanId, scores }: Props) {
  const mine = ownFeedback(scores, traceId, spanId);
  const current: ThumbValue | null = mine?.value === 'up' || mine?.value === 'down' ? mine.value : null;
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(mine?.comment ?? '');
  const send = useSendFeedback(traceId);
  const canScore = useCanScore();
  const what = spanId ? 'span' : 'trace';
  const vote = (value: ThumbValue) => {
    send.mutate({ traceId, spanId, value, comment: text });
    // A thumbs down usually has a reason: offer the box right away.
    if (value === 'down') setOpen(true);
  };
  const disabled = !canScore || send.isPending;
  const title = canScore ? undefined : 'This key cannot write scores: it needs the ingest scope';
  return (
    <span className="fb" data-testid={`feedback-${what}`}>
      <button className={`btn small fb-thumb${current === 'up' ? ' on good' : ''}`} aria-pressed={current === 'up'} aria-label={`thumbs up on this ${what}`}
        title={title ?? `Thumbs up on this ${what}`} disabled={disabled} data-testid="fb-up" onClick={() => vote('up')}>
        <Thumb up />
      </button>
      <button className={`btn small fb-thumb${current === 'down' ? ' on bad' : ''}`} aria-pressed={current === 'down'} aria-label={`thumbs down on this ${what}`}
        title={title ?? `Thumbs down on this ${what}`} disabled={disabled} data-testid="fb-down" onClick={() => vote('down')}>
        <Thumb up={false} />
      </button>
      {current && !open && (
        <button className="btn small fb-comment-toggle" data-testid="fb-comment-open" onClick={() => setOpen(true)} disabled={!canScore} title={mine?.comment ?? undefined}>
          {mine?.comment ? 'Edit comment' : 'Comment'}
        </button>
      )}
      {open && current && (
        <form className="fb-form" onSubmit={(e) => {
          e.preventDefault();
          send.mutate({ traceId, spanId, value: current, comment: text });
          setOpen(false);
        }}>
          <input className="input" autoFocus value={text} maxLength={2000} placeholder={`What was ${current === 'down' ? 'wrong' : 'good'}? (optional)`}
            aria-label={`comment on this ${what}`} data-testid="fb-comment" onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); setOpen(false); } }} />
          <button className="btn small primary" type="submit" data-testid="fb-send" disabled={disabled}>Send</button>
        </form>
      )}
      {mine?.comment && !open && <span className="fb-said faint" title={mine.comment}>“{mine.comment}”</span>}
      {send.isError && <span className="status-error fb-error" role="alert">{errorText(send.error)}</span>}
    </span>
  );
}
