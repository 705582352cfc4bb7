// Evalgate (seed 002): POST /api/collector (sampled, all-or-nothing batches) and the direct
// trace API, /api/traces…, where every trace of the project is known by its numeric id.
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import {
  CollectorBody, CreateTraceBody, EvalgateSpan, EvalgateSpanBody, EvalgateTrace,
  addSpanAdapter, collectorAdapter, createTraceAdapter, evalgateSpan, evalgateTrace,
} from '../../ingest/evalgate/index.js';
import { ErrorBody } from '../../model/schemas.js';
import { microsFromMillis } from '../../model/time.js';
import type { TraceFilter } from '../../query/filter.js';
import { requestJson } from '../body.js';
import type { AppDeps } from '../deps.js';
import { route, type RouteSpec } from '../route.js';
import { issueText } from '../../model/issues.js';

const CollectorResponse = z.object({
  success: z.literal(true),
  received: z.number().int().describe('Traces in the batch'),
  kept: z.number().int().describe('Traces stored (durably, before this answer)'),
  sampledOut: z.number().int().describe('Traces left out by the sampling rules'),
  keptTraceIds: z.array(z.string()),
  sampledOutTraceIds: z.array(z.string()),
});
const TraceList = z.object({ traces: z.array(EvalgateTrace), limit: z.number().int(), offset: z.number().int(), hasMore: z.boolean() });
const TraceWithSpans = z.object({ trace: EvalgateTrace, spans: z.array(EvalgateSpan) });

const ListQuery = z.object({
  // Over 100 is served as 100, as Evalgate does, rather than refused.
  limit: z.coerce.number().int().min(1).default(50).transform((n) => Math.min(n, 100)),
  offset: z.coerce.number().int().min(0).default(0),
  status: z.enum(['pending', 'success', 'error']).optional(),
  name: z.string().min(1).max(2000).optional(),
});

/**
 * Runs fn alone for its key within this process: two concurrent creates of one traceId are
 * then checked one after the other, so the second gets its 409. (Servers sharing a PostgreSQL
 * database would need the check inside the write transaction.)
 */
function exclusive<T>(running: Map<string, Promise<unknown>>, key: string, fn: () => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    for (let busy = running.get(key); busy; busy = running.get(key)) await busy.catch(() => undefined);
    const p = fn();
    running.set(key, p);
    try {
      return await p;
    } finally {
      running.delete(key);
    }
  };
  return run();
}

function numericId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new LoupeError('invalid_query', `trace id must be the numeric id (the "id" field of a trace), got "${raw}"`);
  return Number(raw);
}

export function evalgateRoutes(deps: AppDeps): RouteSpec[] {
  const creating = new Map<string, Promise<unknown>>();

  return [
    route({
      method: 'POST', path: '/api/collector', tag: 'evalgate', scope: 'ingest',
      summary: 'Evalgate batch ingest: sampled by the project rules, stored in one transaction',
      body: { 'application/json': CollectorBody },
      responses: {
        200: { description: 'Stored durably: every kept trace with its spans', schema: CollectorResponse },
        400: { description: 'A trace is invalid (named by index and traceId in details.invalid); nothing of the batch was stored', schema: ErrorBody },
        503: { description: 'Write queue full; retry the same batch after Retry-After (sampling and ids make a retry store no duplicates)', schema: ErrorBody },
      },
      async handler({ req, principal }) {
        const receivedAt = microsFromMillis(Date.now());
        const result = collectorAdapter(await requestJson(req, deps.bodyLimit));
        const out = await deps.pipeline.ingest(principal!.projectId, result, receivedAt, { sampling: 'always' });
        const s = out.sampling!;
        return { success: true, received: s.received, kept: s.kept, sampledOut: s.sampledOut, keptTraceIds: s.keptIds, sampledOutTraceIds: s.sampledOutIds };
      },
    }),
    route({
      method: 'GET', path: '/api/traces', tag: 'evalgate', scope: 'read',
      summary: "List the project's traces (every format), newest first, by limit and offset",
      params: [
        { name: 'limit', in: 'query', description: 'Page size, default 50, at most 100', type: 'integer' },
        { name: 'offset', in: 'query', description: 'Traces to skip, default 0', type: 'integer' },
        { name: 'status', in: 'query', description: 'pending, success or error' },
        { name: 'name', in: 'query', description: 'Name contains this text (case-insensitive)' },
      ],
      responses: { 200: { description: 'A page of traces', schema: TraceList }, 400: { description: 'Bad parameter', schema: ErrorBody } },
      async handler({ req, principal }) {
        const q = ListQuery.safeParse(req.query);
        if (!q.success) throw new LoupeError('invalid_query', issueText(q.error.issues, '(query)'));
        const filter: TraceFilter = {};
        if (q.data.status) filter.status = [q.data.status];
        if (q.data.name) filter.name = q.data.name;
        const rows = await deps.store.listTracesByOffset(principal!.projectId, filter, q.data.limit + 1, q.data.offset);
        const hasMore = rows.length > q.data.limit;
        return { traces: rows.slice(0, q.data.limit).map(evalgateTrace), limit: q.data.limit, offset: q.data.offset, hasMore };
      },
    }),
    route({
      method: 'POST', path: '/api/traces', tag: 'evalgate', scope: 'ingest',
      summary: 'Create one trace (never sampled); traceId is unique in the project',
      body: { 'application/json': CreateTraceBody },
      responses: {
        201: { description: 'Created (durably); the trace with its numeric id', schema: EvalgateTrace },
        400: { description: 'Invalid body', schema: ErrorBody },
        409: { description: 'A trace with this traceId exists', schema: ErrorBody },
      },
      async handler({ req, reply, principal }) {
        const receivedAt = microsFromMillis(Date.now());
        const { result, traceId } = createTraceAdapter(await requestJson(req, deps.bodyLimit));
        const projectId = principal!.projectId;
        const stored = await exclusive(creating, `${projectId}:${traceId}`, async () => {
          const existing = await deps.store.getTrace(projectId, traceId);
          if (existing) throw new LoupeError('conflict', `a trace with traceId "${traceId}" exists (id ${existing.trace.numericId})`, { id: existing.trace.numericId });
          await deps.pipeline.ingest(projectId, result, receivedAt, { sampling: 'never' });
          return deps.store.getTrace(projectId, traceId);
        });
        return reply.code(201).send(evalgateTrace(stored!.trace));
      },
    }),
    route({
      method: 'GET', path: '/api/traces/:id', tag: 'evalgate', scope: 'read',
      summary: 'One trace by numeric id, with its spans ordered by startTime',
      params: [{ name: 'id', in: 'path', description: 'The numeric id of the trace', type: 'integer' }],
      responses: {
        200: { description: 'The trace and its spans', schema: TraceWithSpans },
        400: { description: 'Not a numeric id', schema: ErrorBody },
        404: { description: 'No such trace in this project', schema: ErrorBody },
      },
      async handler({ req, principal }) {
        const id = numericId((req.params as { id: string }).id);
        const detail = await deps.store.getTraceByNumericId(principal!.projectId, id);
        if (!detail) throw new LoupeError('not_found', `trace ${id} not found`);
        return { trace: evalgateTrace(detail.trace), spans: detail.spans.map((s) => evalgateSpan(s, id)) };
      },
    }),
    route({
      method: 'POST', path: '/api/traces/:id/spans', tag: 'evalgate', scope: 'ingest',
      summary: 'Add a span to a trace (never sampled)',
      params: [{ name: 'id', in: 'path', description: 'The numeric id of the trace', type: 'integer' }],
      body: { 'application/json': EvalgateSpanBody },
      responses: {
        201: { description: 'Stored (durably); the span', schema: EvalgateSpan },
        400: { description: 'Invalid body or id', schema: ErrorBody },
        404: { description: 'No such trace in this project', schema: ErrorBody },
      },
      async handler({ req, reply, principal }) {
        const receivedAt = microsFromMillis(Date.now());
        const id = numericId((req.params as { id: string }).id);
        const projectId = principal!.projectId;
        const parent = await deps.store.getTraceByNumericId(projectId, id);
        if (!parent) throw new LoupeError('not_found', `trace ${id} not found`);
        const { result, spanId } = addSpanAdapter(await requestJson(req, deps.bodyLimit), parent.trace.id);
        await deps.pipeline.ingest(projectId, result, receivedAt, { sampling: 'never' });
        const stored = await deps.store.getTraceByNumericId(projectId, id);
        const span = stored!.spans.find((s) => s.id === spanId)!;
        return reply.code(201).send(evalgateSpan(span, id));
      },
    }),
  ];
}
