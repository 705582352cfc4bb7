// The Langfuse ingestion adapter (POST /api/public/ingestion): a batch of events → Batch plus a
// per-event outcome for the 207 answer. Pure: events that name no trace and whose observation is
// not in the batch come back as `pending`, for the caller to resolve (LRU, then the store).
import { emptyBatch, type AdapterResult, type ScoreUpsert, type SpanUpsert } from '../../model/batch.js';
import type { ScoreSource } from '../../model/enums.js';
import type { ScoreValue } from '../../model/schemas.js';
import { LoupeError } from '../../errors.js';
import { derivedId, type AdapterContext } from '../context.js';
import { microsFromIso } from '../../model/time.js';
import { EventError, KIND_OF_TYPE, spanFromBody, traceFromBody } from './observation.js';
import { IngestionEnvelope, IngestionEvent, type IngestionResponse, type ObservationBody, type ScoreBody } from './schema.js';
import { issueText } from '../../model/issues.js';
import { scoreRangeProblem, spanRangeProblem, traceRangeProblem } from '../../model/ranges.js';

export interface LangfuseEventError {
  id: string;
  status: number;
  message: string;
  error?: string;
}

/** An update or score whose trace the batch does not tell: it waits for `observationId`'s trace. */
export type PendingItem =
  | { eventId: string; observationId: string; span: SpanUpsert }
  | { eventId: string; observationId: string; score: ScoreUpsert };

export interface LangfuseResult extends AdapterResult {
  /** Event ids in processing order (sdk-log left out); those not in `errors` succeeded. */
  processed: string[];
  errors: LangfuseEventError[];
  pending: PendingItem[];
  /** Observation id → trace id for every observation this batch placed. */
  observations: Map<string, string>;
}

const SOURCES: Record<string, ScoreSource> = { API: 'api', EVAL: 'eval', ANNOTATION: 'user' };


/** The model's one range check: an item out of range fails its event with a 400, like a schema error. */
function inRange<T>(item: T, problem: (x: T) => string | undefined): T {
  const p = problem(item);
  if (p) throw new EventError(400, p);
  return item;
}

function scoreValue(b: ScoreBody): ScoreValue {
  if (b.dataType === 'BOOLEAN') return b.value === 1;
  return b.value;
}

export function langfuseAdapter(body: unknown, _ctx: AdapterContext): LangfuseResult {
  const envelope = IngestionEnvelope.safeParse(body);
  if (!envelope.success) throw new LoupeError('invalid_body', `body must be {batch: [events], metadata?}: ${issueText(envelope.error.issues, '(event)')}`, envelope.error.issues);
  const batch = emptyBatch();
  batch.indexSpanIds = true;
  const out: LangfuseResult = { batch, rejected: [], processed: [], errors: [], pending: [], observations: new Map() };
  const fail = (id: string, status: number, message: string, error?: string) => {
    out.errors.push({ id, status, message, ...(error !== undefined ? { error } : {}) });
    out.rejected.push({ item: id, message: error ? `${message}: ${error}` : message });
  };

  // Validate each event alone, dedupe on event id, then creates before updates, each by time.
  const seen = new Set<string>();
  const events: Array<{ e: IngestionEvent; at: number; update: boolean }> = [];
  for (const raw of envelope.data.batch) {
    const parsed = IngestionEvent.safeParse(raw);
    const rawId = (raw as { id?: unknown } | null)?.id;
    if (!parsed.success) {
      fail(typeof rawId === 'string' && rawId ? rawId : 'unknown', 400, 'Invalid request data', issueText(parsed.error.issues, '(event)'));
      continue;
    }
    const e = parsed.data;
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    const at = microsFromIso(e.timestamp);
    if (at === undefined) fail(e.id, 400, 'Invalid request data', `timestamp: not an ISO 8601 time: ${e.timestamp}`);
    else events.push({ e, at, update: e.type.endsWith('-update') });
  }
  events.sort((a, b) => Number(a.update) - Number(b.update) || a.at - b.at);

  const observation = (e: { id: string }, b: ObservationBody, type: string, at: number, isCreate: boolean) => {
    const id = b.id ?? derivedId('lf-', e.id);
    const kind = isCreate || type !== 'span' ? KIND_OF_TYPE[type] : undefined;
    // The trace: as named; else the batch's knowledge of this observation (or, for a create, of
    // its parent); else a create without a parent is the root of a trace of its own id; else the
    // caller must find the observation's trace.
    const lookup = isCreate ? b.parentObservationId : id;
    let traceId = b.traceId ?? out.observations.get(id) ?? (lookup ? out.observations.get(lookup) : undefined);
    if (!traceId && isCreate && !b.parentObservationId) traceId = id;
    const waitFor = traceId ? undefined : lookup;
    const span = inRange(spanFromBody(b, { id, traceId: traceId ?? '', kind, isCreate, eventTime: at }), spanRangeProblem);
    out.processed.push(e.id);
    if (waitFor) {
      out.pending.push({ eventId: e.id, observationId: waitFor, span });
      return;
    }
    out.observations.set(id, span.traceId);
    batch.spans.push(span);
    const ownTrace = isCreate && span.traceId === id && !b.traceId;
    if (b.environment || (ownTrace && b.name)) {
      batch.traces.push({ id: span.traceId, ...(b.environment ? { environment: b.environment } : {}), ...(ownTrace && b.name ? { name: b.name } : {}) });
    }
  };

  for (const { e, at } of events) {
    try {
      switch (e.type) {
        case 'trace-create': {
          batch.traces.push(inRange(traceFromBody(e.body, e.body.id ?? derivedId('lf-', e.id), at), traceRangeProblem));
          out.processed.push(e.id);
          break;
        }
        case 'span-update': case 'generation-update':
          observation(e, e.body, e.type.slice(0, -'-update'.length), at, false);
          break;
        case 'observation-create': case 'observation-update':
          observation(e, e.body, e.body.type.toLowerCase(), at, e.type === 'observation-create');
          break;
        case 'score-create': {
          const b = e.body;
          const score: ScoreUpsert = {
            id: b.id ?? derivedId('lf-', e.id), traceId: b.traceId ?? '', name: b.name, value: scoreValue(b),
            source: SOURCES[b.source ?? 'API'], createdAt: at,
            ...(b.observationId ? { spanId: b.observationId } : {}), ...(b.comment ? { comment: b.comment } : {}),
          };
          if (!score.traceId && b.observationId) score.traceId = out.observations.get(b.observationId) ?? '';
          if (!score.traceId && !b.observationId) {
            throw new EventError(400, 'a score needs traceId or observationId: Loupe attaches scores to traces (session and dataset-run scores are not supported)');
          }
          inRange(score, scoreRangeProblem);
          out.processed.push(e.id);
          if (!score.traceId) out.pending.push({ eventId: e.id, observationId: b.observationId!, score });
          else batch.scores.push(score);
          break;
        }
        case 'sdk-log':
          break; // logged by Langfuse, reported by neither successes nor errors
        case 'dataset-run-item-create':
          throw new EventError(400, 'dataset-run-item-create is internal to Langfuse and not accepted');
        default:
          observation(e, e.body, e.type.slice(0, -'-create'.length), at, true);
      }
    } catch (err) {
      if (!(err instanceof EventError)) throw err;
      fail(e.id, err.status, 'Invalid request data', err.message);
    }
  }
  // A pending item whose observation this batch did place after all (an update before its create in time).
  out.pending = out.pending.filter((p) => !place(out, p, out.observations.get(p.observationId)));
  return out;
}

/** Puts a pending item into the batch once its trace is known; false when it is not. */
function place(out: LangfuseResult, p: PendingItem, traceId: string | undefined | null): boolean {
  if (!traceId) return false;
  if ('span' in p) {
    p.span.traceId = traceId;
    out.batch.spans.push(p.span);
    out.observations.set(p.span.id, traceId);
  } else {
    p.score.traceId = traceId;
    out.batch.scores.push(p.score);
  }
  return true;
}

/** Resolves pending items with traces found elsewhere; the rest become per-event 404s. */
export function resolvePending(out: LangfuseResult, traceOf: (observationId: string) => string | undefined | null): void {
  for (const p of out.pending) {
    if (place(out, p, out.observations.get(p.observationId) ?? traceOf(p.observationId))) continue;
    const what = 'span' in p ? 'observation' : 'score';
    out.errors.push({ id: p.eventId, status: 404, message: 'Not Found',
      error: `${what} names no traceId and observation ${p.observationId} is unknown; send traceId with it` });
    out.rejected.push({ item: p.eventId, message: `observation ${p.observationId} is unknown` });
  }
  out.pending = [];
}

/** The 207 body: successes in processing order, then the errors. */
export function ingestionResponse(out: LangfuseResult): IngestionResponse {
  const failed = new Set(out.errors.map((e) => e.id));
  return { successes: out.processed.filter((id) => !failed.has(id)).map((id) => ({ id, status: 201 })), errors: out.errors };
}
