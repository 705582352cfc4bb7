// Feedback: POST /api/v1/scores writes one score through the pipeline like every write;
// GET /api/v1/scores lists them with the shared filters.
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { nativeAdapter } from '../../ingest/native/index.js';
import { ErrorBody, Score, ScoreInput } from '../../model/schemas.js';
import { microsFromMillis } from '../../model/time.js';
import { SCORE_PARAMS, parseScoreQuery, type RawQuery } from '../../query/filter.js';
import { validateExpr } from '../../query/fields.js';
import { requestJson } from '../body.js';
import type { AppDeps } from '../deps.js';
import { route, type RouteSpec } from '../route.js';

const ScorePage = z.object({ data: z.array(Score), nextCursor: z.string().nullable() });
const Created = z.object({ id: z.string() });

function createTrace(query: unknown): boolean {
  const v = (query as Record<string, unknown> | undefined)?.createTrace;
  return v === 'true' || v === '1' || v === '';
}

async function traceExists(deps: AppDeps, projectId: number, traceId: string): Promise<boolean> {
  // A filter on the id (one index lookup), never the whole trace with its spans.
  const expr = validateExpr('trace', { op: 'cmp', field: 'id', cmp: '=', value: traceId, pos: 0, valuePos: 0 });
  return (await deps.store.listTraces(projectId, { expr }, { limit: 1, order: 'desc' })).data.length > 0;
}

export function scoreRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'POST', path: '/api/v1/scores', summary: 'Score a trace or a span: numeric, boolean or categorical value, comment, source (user, api, eval)',
      tag: 'ingest', scope: 'ingest',
      body: { 'application/json': ScoreInput },
      params: [{
        name: 'createTrace', in: 'query', type: 'boolean',
        description: 'true: score a trace that is not stored yet (it is made, pending, until its spans arrive). Default: such a score is refused with 404',
      }],
      responses: {
        200: { description: 'Stored durably; the id (derived from the content when none was sent, so a retry is idempotent)', schema: Created },
        400: { description: 'Invalid score', schema: ErrorBody },
        404: { description: 'No trace with this traceId in the project (and createTrace was not set)', schema: ErrorBody },
        503: { description: 'Write queue full; retry after Retry-After', schema: ErrorBody },
      },
      async handler({ req, principal }) {
        const receivedAt = microsFromMillis(Date.now());
        const body = await requestJson(req, deps.bodyLimit);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new LoupeError('invalid_body', 'body must be one score object');
        const result = nativeAdapter({ scores: [body] }, { receivedAt, headers: req.headers });
        if (result.rejected.length) throw new LoupeError('invalid_body', result.rejected[0].message.replace(/^\(item\): /, ''), result.rejected);
        const { traceId } = result.batch.scores[0];
        // A score for a trace that does not exist would make an empty pending trace that tops the
        // list: most often a typo'd or wrong project's id. Scoring ahead of the trace is a choice.
        if (!createTrace(req.query) && !(await traceExists(deps, principal!.projectId, traceId))) {
          throw new LoupeError('not_found', `no trace "${traceId}" in this project; send the trace first, or add ?createTrace=true to score it ahead of its spans`);
        }
        await deps.pipeline.ingest(principal!.projectId, result, receivedAt);
        return { id: result.batch.scores[0].id };
      },
    }),
    route({
      method: 'GET', path: '/api/v1/scores', summary: 'List scores, newest first', tag: 'query', scope: 'read',
      params: [
        ...SCORE_PARAMS.map((p) => ({ name: p.name, in: 'query' as const, description: p.description })),
        { name: 'filter', in: 'query', description: 'Expression over score fields: id, traceId, spanId, name, source, valueType, value, comment, createdAt, userId, sessionId, environment (docs/filters.md)' },
        { name: 'limit', in: 'query', description: 'Page size, 1-1000 (default 50)', type: 'integer' },
        { name: 'cursor', in: 'query', description: 'nextCursor of the previous page' },
        { name: 'order', in: 'query', description: 'desc (newest first, default) or asc' },
      ],
      responses: { 200: { description: 'A page of scores', schema: ScorePage }, 400: { description: 'Bad filter', schema: ErrorBody } },
      async handler({ req, principal }) {
        const { filter, page } = parseScoreQuery(req.query as RawQuery);
        return deps.store.listScores(principal!.projectId, filter, page);
      },
    }),
  ];
}
