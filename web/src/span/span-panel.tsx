// The span detail panel: header, error (when failed), the kind's body, then the raw sections.
// The one component the trace page mounts; everything else in this folder serves it.
import type { JSX } from 'react';
import type { Score, Span } from '../lib/types';
import { Feedback } from '../feedback/feedback';
import { SpanBody } from './body';
import { ErrorBlock, SpanHeader, hasError } from './header';
import { SpanSections } from './sections';
import './span.css';

export function SpanPanel({ span, scores, search }: { span: Span; scores: Score[]; search: string }): JSX.Element {
  return (
    // Keyed by span: fold, filter and open states belong to the span they were set on.
    <div key={span.id} className={`sp-panel kind-${span.kind}`} data-testid="span-panel" data-span-id={span.id} data-kind={span.kind}>
      <SpanHeader span={span} scores={scores} search={search} />
      <div className="sp-feedback"><Feedback traceId={span.traceId} spanId={span.id} scores={scores} /></div>
      {hasError(span) && <ErrorBlock span={span} search={search} />}
      <div className="sp-body">
        <SpanBody span={span} search={search} />
      </div>
      <SpanSections span={span} search={search} />
    </div>
  );
}
