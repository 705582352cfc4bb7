// The native ingest format (POST /api/v1/ingest): `{traces, spans, scores}` upserts in the
// model's own input shapes. Each item is validated alone; a bad item is rejected, the rest kept.
import { z } from 'zod';
import { emptyBatch, type AdapterResult, type Rejection } from '../../model/batch.js';
import { IngestBody, ScoreInput, SpanInput, TraceInput } from '../../model/schemas.js';
import { isStorableMicros, microsFromInput } from '../../model/time.js';
import { scoreRangeProblem, spanRangeProblem, traceRangeProblem } from '../../model/ranges.js';
import { derivedId, type AdapterContext } from '../context.js';
import { LoupeError } from '../../errors.js';
import { issueText } from '../../model/issues.js';

function time(v: string | number | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const us = microsFromInput(v);
  if (us === undefined || !isStorableMicros(us)) throw new Error(`${field}: not an ISO 8601 time or epoch milliseconds between 1970 and 2255`);
  return us;
}

/** Throws the item's range problem (the model's one check), which `each` reports as its rejection. */
function inRange<T>(item: T, problem: (x: T) => string | undefined): T {
  const p = problem(item);
  if (p) throw new Error(p);
  return item;
}

export function nativeAdapter(body: unknown, ctx: AdapterContext): AdapterResult {
  const envelope = IngestBody.safeParse(body);
  if (!envelope.success) throw new LoupeError('invalid_body', `body must be {traces?, spans?, scores?}: ${issueText(envelope.error.issues, '(item)')}`);
  const batch = emptyBatch();
  const rejected: Rejection[] = [];
  const each = <T>(items: unknown[] | undefined, kind: string, schema: z.ZodType<T>, take: (v: T) => void) => {
    (items ?? []).forEach((raw, i) => {
      const parsed = schema.safeParse(raw);
      const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : undefined;
      const item = id ? `${kind}[${i}] (${id})` : `${kind}[${i}]`;
      if (!parsed.success) {
        rejected.push({ item, message: issueText(parsed.error.issues, '(item)') });
        return;
      }
      try {
        take(parsed.data);
      } catch (e) {
        rejected.push({ item, message: (e as Error).message });
      }
    });
  };

  each(envelope.data.traces, 'traces', TraceInput, (t) => {
    const { startTime, endTime, ...rest } = t;
    batch.traces.push(inRange({ ...rest, startTime: time(startTime, 'startTime'), endTime: time(endTime, 'endTime') }, traceRangeProblem));
  });
  each(envelope.data.spans, 'spans', SpanInput, (s) => {
    const { startTime, endTime, events, links, userId, sessionId, ...rest } = s;
    batch.spans.push(inRange({
      ...rest,
      startTime: time(startTime, 'startTime'),
      endTime: time(endTime, 'endTime'),
      events: events?.map((e) => ({ name: e.name, time: time(e.time, 'events.time'), attributes: e.attributes ?? {} })),
      links: links?.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes ?? {} })),
    }, spanRangeProblem));
    if (userId || sessionId) batch.traces.push({ id: s.traceId, userId, sessionId });
  });
  each(envelope.data.scores, 'scores', ScoreInput, (sc) => {
    batch.scores.push(inRange({
      id: sc.id ?? derivedId('sc_', sc.traceId, sc.spanId, sc.name, sc.value, sc.comment, sc.createdAt),
      traceId: sc.traceId,
      spanId: sc.spanId,
      name: sc.name,
      value: sc.value,
      comment: sc.comment,
      source: sc.source ?? 'api',
      createdAt: time(sc.createdAt, 'createdAt') ?? ctx.receivedAt,
    }, scoreRangeProblem));
  });
  return { batch, rejected };
}
