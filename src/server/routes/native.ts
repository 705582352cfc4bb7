// The native API: batch ingest and the query endpoints over traces and spans.
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { nativeAdapter } from '../../ingest/native/index.js';
import { Score, ScoreInput, Span, SpanInput, Trace, TraceInput, TraceListRow, ErrorBody } from '../../model/schemas.js';
import { microsFromMillis } from '../../model/time.js';
import { LIST_PARAMS, parseSpanQuery, parseTraceListQuery, type Page, type RawQuery, type TraceInclude } from '../../query/filter.js';
import type { Store } from '../../store/store.js';
import { requestJson } from '../body.js';
import type { AppDeps } from '../deps.js';
import { route, type ParamDoc, type RouteSpec } from '../route.js';

const listParams = (exclude: string[]): ParamDoc[] =>
  LIST_PARAMS.filter((p) => !exclude.includes(p.name)).map((p) => ({ name: p.name, in: 'query', description: p.description, type: p.type }));

const IngestRequest = z.object({ traces: z.array(TraceInput).optional(), spans: z.array(SpanInput).optional(), scores: z.array(ScoreInput).optional() });
const IngestResponse = z.object({ accepted: z.number().int(), rejected: z.array(z.object({ item: z.string(), message: z.string() })) });
const TracePage = z.object({ data: z.array(TraceListRow), nextCursor: z.string().nullable() });
const SpanPage = z.object({ data: z.array(Span), nextCursor: z.string().nullable() });
const TraceDetail = z.object({ trace: Trace, spans: z.array(Span), scores: z.array(Score) });

export function nativeRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'POST',
      path: '/api/v1/ingest',
      summary: 'Upsert traces, spans and scores in the native shape',
      tag: 'ingest',
      scope: 'ingest',
      body: { 'application/json': IngestRequest },
      responses: {
        200: { description: 'Stored (durably) all accepted items; rejected lists the others', schema: IngestResponse },
        400: { description: 'Every item was invalid, or the body is not JSON', schema: ErrorBody },
        503: { description: 'Write queue full; retry after Retry-After', schema: ErrorBody },
      },
      async handler({ req, reply, principal }) {
        const receivedAt = microsFromMillis(Date.now());
        const body = await requestJson(req, deps.bodyLimit);
        const result = nativeAdapter(body, { receivedAt, headers: req.headers });
        const sent = (['traces', 'spans', 'scores'] as const).reduce((n, k) => n + ((body as Record<string, unknown[] | undefined>)[k]?.length ?? 0), 0);
        const accepted = sent - result.rejected.length;
        if (accepted === 0 && result.rejected.length > 0) {
          throw new LoupeError('invalid_body', `no item was valid: ${result.rejected[0].item}: ${result.rejected[0].message}`, result.rejected);
        }
        await deps.pipeline.ingest(principal!.projectId, result, receivedAt);
        return reply.send({ accepted, rejected: result.rejected });
      },
    }),
    route({
      method: 'GET',
      path: '/api/v1/traces',
      summary: 'List traces, newest first, with filters and keyset pagination',
      tag: 'query',
      scope: 'read',
      params: listParams(['traceId']),
      responses: {
        200: { description: 'A page of traces; with include=, each row also carries models and/or scores', schema: TracePage },
        400: { description: 'Bad filter, or an unknown include', schema: ErrorBody },
      },
      async handler({ req, principal }) {
        const { filter, page, include } = parseTraceListQuery(req.query as RawQuery);
        const traces = await deps.store.listTraces(principal!.projectId, filter, page);
        return withIncludes(deps.store, principal!.projectId, traces, include);
      },
    }),
    route({
      method: 'GET',
      path: '/api/v1/traces/:id',
      summary: 'One trace with its spans (ordered by start time) and scores',
      tag: 'query',
      scope: 'read',
      responses: { 200: { description: 'The trace', schema: TraceDetail }, 404: { description: 'No such trace in this project', schema: ErrorBody } },
      async handler({ req, reply, principal }) {
        const { id } = req.params as { id: string };
        if (deps.store.getTraceJson) {
          const json = await deps.store.getTraceJson(principal!.projectId, id);
          if (json === null) throw new LoupeError('not_found', `trace ${id} not found`);
          return reply.type('application/json; charset=utf-8').send(json);
        }
        const detail = await deps.store.getTrace(principal!.projectId, id);
        if (!detail) throw new LoupeError('not_found', `trace ${id} not found`);
        return detail;
      },
    }),
    route({
      method: 'GET',
      path: '/api/v1/spans',
      summary: 'List spans across traces, newest first',
      tag: 'query',
      scope: 'read',
      params: listParams(['q', 'include']),
      responses: { 200: { description: 'A page of spans', schema: SpanPage }, 400: { description: 'Bad filter', schema: ErrorBody } },
      async handler({ req, principal }) {
        const { filter, page } = parseSpanQuery(req.query as RawQuery);
        return deps.store.listSpans(principal!.projectId, filter, page);
      },
    }),
  ];
}

/** The page's rows with the extras include= asked for, all fetched for the page at once. */
async function withIncludes(store: Store, projectId: number, traces: Page<Trace>, include: TraceInclude): Promise<Page<TraceListRow>> {
  if ((!include.models && !include.scores) || traces.data.length === 0) return traces;
  const facets = await store.traceFacets(projectId, traces.data.map((t) => t.id), include);
  return { data: traces.data.map((t) => ({ ...t, ...facets.get(t.id) })), nextCursor: traces.nextCursor };
}
