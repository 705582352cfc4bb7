// The top of the span panel: what the span is (kind, name, status, timing, id, model), what it
// used (tokens, cost, params), how it was scored, and, when it failed, why.
import type { Score, Span } from '../lib/types';
import { ScoreChips } from '../components/chips';
import { KindIcon } from '../components/kind';
import { rollsUpUsage } from '../detail/span-tree';
import { fmtCost, fmtDuration, fmtTime, fmtTokens } from '../lib/format';
import { CopyButton } from './copy';
import { FoldText } from './fold-text';
import { Highlight } from './highlight';
import { str, toJsonText } from './values';

function paramText(v: unknown): string {
  const t = typeof v === 'string' ? v : toJsonText(v, 0);
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
}

function Usage({ span }: { span: Span }) {
  const u = span.usage;
  const items: Array<[string, number | undefined]> = [
    ['input', u.inputTokens], ['output', u.outputTokens], ['cache read', u.cacheReadTokens],
    ['cache write', u.cacheWriteTokens], ['reasoning', u.reasoningTokens],
  ];
  const shown = items.filter((x): x is [string, number] => x[1] !== undefined);
  if (!shown.length && u.totalTokens !== undefined) shown.push(['total', u.totalTokens]);
  const ms = span.durationMs;
  // Output speed tells a slow provider from a long answer at a glance.
  const perSec = ms && ms > 0 && u.outputTokens ? Math.round(u.outputTokens / (ms / 1000)) : null;
  return (
    <div className="sp-usage">
      {shown.map(([label, n]) => (
        <span key={label} className="sp-stat" title={`${n.toLocaleString()} ${label} tokens`}>
          <span className="faint">{label}</span> <b>{fmtTokens(n) === '–' ? '0' : fmtTokens(n)}</b>
        </span>
      ))}
      {span.costUsd !== null && (
        <span className="sp-stat" title={`$${span.costUsd}`}><span className="faint">cost</span> <b>{fmtCost(span.costUsd)}</b></span>
      )}
      <span className="sp-stat" title={perSec !== null ? `${perSec} output tokens per second` : undefined}>
        <span className="faint">latency</span> <b>{fmtDuration(ms)}</b>{perSec !== null && <span className="faint"> · {perSec} tok/s</span>}
      </span>
    </div>
  );
}

export function SpanHeader({ span, scores, search }: { span: Span; scores: Score[]; search: string }) {
  const own = scores.filter((s) => s.spanId === span.id);
  const params = Object.entries(span.params ?? {});
  const withUsage = rollsUpUsage(span.kind);
  return (
    <header className="sp-head">
      <div className="sp-title-row">
        <KindIcon kind={span.kind} />
        <h2 className="sp-title" title={span.name ?? undefined}>
          {span.name ? <Highlight text={span.name} search={search} /> : <span className="faint">(unnamed {span.kind})</span>}
        </h2>
      </div>
      <div className="sp-meta">
        {/* "unset" is OpenTelemetry's ordinary status: only ok and error are worth a word. */}
        {span.status !== 'unset' && <span className={`sp-status status-${span.status}`}>{span.status}</span>}
        <span title="duration">{fmtDuration(span.durationMs)}</span>
        <span className="muted" title={span.startTime ?? undefined}>{fmtTime(span.startTime)}</span>
        <span className="sp-id">
          <span className="faint mono" title={span.id}>{span.id}</span>
          <CopyButton text={span.id} title="Copy span id" label="copy id" />
        </span>
      </div>
      {(span.model || span.provider) && (
        <div className="sp-meta">
          {span.model && <span className="badge mono" title="model"><Highlight text={span.model} search={search} /></span>}
          {span.provider && <span className="muted" title="provider">{span.provider}</span>}
        </div>
      )}
      {withUsage && <Usage span={span} />}
      {params.length > 0 && (
        <div className="sp-params">
          {params.map(([k, v]) => <span key={k} className="badge mono" title={`${k} = ${toJsonText(v, 0)}`}>{k}={paramText(v)}</span>)}
        </div>
      )}
      {own.length > 0 && <div className="sp-scores"><ScoreChips scores={own} max={12} /></div>}
    </header>
  );
}

/** Whether the panel opens with the error block: a failed status or an error message. */
export function hasError(span: Span): boolean {
  return span.status === 'error' || !!span.error;
}

interface Exception {
  type?: string;
  message?: string;
  stack: string;
}

/**
 * The error text, minus what the exception events will show. OTLP ingest stores the status
 * message, then "Type: message" and the whole stack trace in `error`, all joined by newlines.
 */
function errorParts(span: Span): { headline: string; rest: string; exceptions: Exception[] } {
  const exceptions: Exception[] = span.events.filter((e) => e.name === 'exception').map((e) => {
    const stack = e.attributes['exception.stacktrace'];
    return {
      type: str(e.attributes['exception.type']),
      message: str(e.attributes['exception.message']),
      stack: typeof stack === 'string' ? stack : stack === undefined || stack === null ? '' : toJsonText(stack),
    };
  });
  let text = span.error ?? '';
  for (const x of exceptions) {
    if (x.stack && text.includes(x.stack)) text = text.replace(x.stack, '');
    const head = [x.type, x.message].filter(Boolean).join(': ');
    const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
    if (lines.length > 1 && head) text = lines.filter((l) => l !== head).join('\n');
  }
  const lines = text.trim().split('\n');
  const first = exceptions[0];
  const headline = lines[0] || [first?.type, first?.message].filter(Boolean).join(': ') || 'The span failed without recording a message.';
  // Without exception events a multi-line error is usually a traceback: show it as one.
  return { headline, rest: lines.slice(1).join('\n'), exceptions };
}

export function ErrorBlock({ span, search }: { span: Span; search: string }) {
  const { headline, rest, exceptions } = errorParts(span);
  return (
    <section className="error-box sp-error" data-testid="span-error">
      <div className="sp-error-msg"><b>Error</b> <Highlight text={headline} search={search} /></div>
      {rest && <FoldText text={rest} search={search} mono lines={12} expandLabel="show all" className="sp-stack" />}
      {exceptions.map((x, i) => {
        const showMessage = x.message && !headline.includes(x.message);
        const showType = x.type && !headline.startsWith(x.type);
        // A stack trace's first line is usually "Type: message", which the headline already says.
        const stackLines = x.stack.split('\n');
        const stack = stackLines.length > 1 && headline.includes(stackLines[0].trim()) ? stackLines.slice(1).join('\n') : x.stack;
        return (
          <div key={i} className="sp-exception">
            {(showType || showMessage) && (
              <div>
                {showType && <span className="mono sp-exc-type">{x.type}</span>}
                {showMessage && <> <Highlight text={x.message ?? ''} search={search} /></>}
              </div>
            )}
            {stack && <FoldText text={stack} search={search} mono lines={12} expandLabel="show all" className="sp-stack" />}
          </div>
        );
      })}
    </section>
  );
}
