// Feedback carried inside OTLP spans, turned into scores (wire-formats.md §5D "Feedback -> Score"):
// - OpenInference annotations `annotations.{i}.annotation.{name,score,label,explanation,annotator_kind,identifier}`
//   score the span; the `trace.` and `session.` prefixed lists score the trace (Loupe scores
//   traces and spans, so a session annotation lands on the trace that carried it).
// - GenAI `gen_ai.evaluation.result` span events score the span whose `gen_ai.response.id`
//   they name when that span is in the same export, else the span carrying the event.
import type { ScoreUpsert } from '../../model/batch.js';
import type { ScoreSource } from '../../model/enums.js';
import { derivedId } from '../context.js';
import { str, toNum, under, unflattenList } from './draft.js';
import type { AttrValue, OtlpExport, OtlpSpan } from './types.js';

const ANNOTATOR_SOURCE: Record<string, ScoreSource> = { HUMAN: 'user', LLM: 'eval', CODE: 'eval' };

/** A score's value: the numeric score when given, else the label; the other goes to the comment. */
function valueOf(score: AttrValue | undefined, label: string | undefined, explanation: string | undefined) {
  const n = toNum(score);
  const value = n ?? label;
  if (value === undefined) return undefined;
  const comment = [n !== undefined && label ? `label: ${label}` : undefined, explanation].filter(Boolean).join('\n');
  return { value, comment: comment || undefined };
}

function annotations(s: OtlpSpan, prefix: string, onSpan: boolean, at: number): ScoreUpsert[] {
  const out: ScoreUpsert[] = [];
  (unflattenList(s.attributes, prefix) ?? []).forEach((entry, i) => {
    const a = under(entry, 'annotation');
    const name = str(a.name);
    const v = valueOf(a.score, str(a.label), str(a.explanation));
    if (!name || !v) return;
    const spanId = onSpan ? s.spanId : undefined;
    const identifier = str(a.identifier);
    out.push({
      id: derivedId('sc_', s.traceId, spanId, 'oi', prefix, identifier ?? [name, i]),
      traceId: s.traceId,
      ...(spanId ? { spanId } : {}),
      name,
      value: v.value,
      ...(v.comment ? { comment: v.comment } : {}),
      source: ANNOTATOR_SOURCE[(str(a.annotator_kind) ?? '').toUpperCase()] ?? 'api',
      createdAt: at,
    });
  });
  return out;
}

function evaluations(s: OtlpSpan, byResponseId: Map<string, string>): ScoreUpsert[] {
  const out: ScoreUpsert[] = [];
  s.events.forEach((e, i) => {
    if (e.name !== 'gen_ai.evaluation.result') return;
    const name = str(e.attributes['gen_ai.evaluation.name']);
    const v = valueOf(e.attributes['gen_ai.evaluation.score.value'], str(e.attributes['gen_ai.evaluation.score.label']), str(e.attributes['gen_ai.evaluation.explanation']));
    const at = e.time ?? s.endTime ?? s.startTime;
    if (!name || !v || at === undefined) return;
    const responseId = str(e.attributes['gen_ai.response.id']);
    const spanId = (responseId && byResponseId.get(`${s.traceId}:${responseId}`)) || s.spanId;
    out.push({
      id: derivedId('sc_', s.traceId, s.spanId, 'genai', name, e.time, i),
      traceId: s.traceId,
      spanId,
      name,
      value: v.value,
      ...(v.comment ? { comment: v.comment } : {}),
      source: 'eval',
      createdAt: at,
    });
  });
  return out;
}

/** Whether any attribute key names an annotation list (one pass instead of one per list). */
function hasAnnotations(attrs: OtlpSpan['attributes']): boolean {
  for (const k in attrs) {
    const c = k.charCodeAt(0);
    if (c !== 97 /* a */ && c !== 115 /* s */ && c !== 116 /* t */) continue;
    if (k.startsWith('annotations.') || k.startsWith('trace.annotations.') || k.startsWith('session.annotations.')) return true;
  }
  return false;
}

/**
 * Every score the spans of an export carry; spans without a time carry none (a score needs one),
 * and nor do the `refused` ones (their times or values were out of range).
 */
export function feedbackScores(exp: OtlpExport, refused?: ReadonlySet<OtlpSpan>): ScoreUpsert[] {
  const spans = exp.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)).filter((s) => s.traceId && s.spanId && !refused?.has(s));
  const byResponseId = new Map<string, string>();
  for (const s of spans) {
    const id = str(s.attributes['gen_ai.response.id']);
    if (id) byResponseId.set(`${s.traceId}:${id}`, s.spanId);
  }
  const out: ScoreUpsert[] = [];
  for (const s of spans) {
    const at = s.endTime ?? s.startTime;
    if (at !== undefined && hasAnnotations(s.attributes)) {
      out.push(...annotations(s, 'annotations', true, at), ...annotations(s, 'trace.annotations', false, at), ...annotations(s, 'session.annotations', false, at));
    }
    if (s.events.length) out.push(...evaluations(s, byResponseId));
  }
  return out;
}
