// Deleting data (docs/retention.md): one trace by id, or everything of one user (a privacy
// request). Admin scope only. A user's traces go in small transactions (DELETE_BATCH traces
// each) so that a user with a million traces never holds the write lock for long; the answer
// counts what went. Every rollup (sessions, users, metrics) is right after each batch.
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { ErrorBody } from '../../model/schemas.js';
import type { DeleteCounts, Store, TraceSelection } from '../../store/store.js';
import type { AppDeps } from '../deps.js';
import { ADMIN_ONLY, route, type RouteSpec } from '../route.js';

/** Traces per delete transaction: small enough that ingest waits at most a few ms behind one. */
export const DELETE_BATCH = 200;

export const DeletedCounts = z.object({
  traces: z.number().int().describe('Traces deleted'),
  spans: z.number().int().describe('Spans deleted'),
  scores: z.number().int().describe('Scores deleted'),
});

/** Deletes every trace the selection names, batch by batch, until none is left; sums the counts. */
export async function deleteAll(store: Store, projectId: number, select: TraceSelection, batch = DELETE_BATCH): Promise<DeleteCounts> {
  const total: DeleteCounts = { traces: 0, spans: 0, scores: 0 };
  for (;;) {
    const c = await store.deleteTraces(projectId, select, batch);
    total.traces += c.traces;
    total.spans += c.spans;
    total.scores += c.scores;
    if (c.traces < batch) return total;
  }
}

export function deleteRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'DELETE', path: '/api/v1/traces/:id', tag: 'admin', scope: 'admin',
      summary: 'Delete a trace with its spans and scores; session, user and metrics rollups are right afterwards',
      params: [{ name: 'id', in: 'path', description: 'The trace id', required: true }],
      responses: {
        200: { description: 'What was deleted', schema: DeletedCounts },
        ...ADMIN_ONLY,
        404: { description: 'No such trace in this project', schema: ErrorBody },
      },
      async handler({ req, principal }) {
        const { id } = req.params as { id: string };
        const counts = await deps.store.deleteTraces(principal!.projectId, { ids: [id] }, 1);
        if (counts.traces === 0) throw new LoupeError('not_found', `trace ${id} not found`);
        return counts;
      },
    }),
    route({
      method: 'DELETE', path: '/api/v1/users/:id', tag: 'admin', scope: 'admin',
      summary: `Delete everything of one user (a privacy request): every trace with this userId, with its spans and scores, and the user's session and user rows. Runs in transactions of ${DELETE_BATCH} traces; answers once all are gone`,
      params: [{ name: 'id', in: 'path', description: 'The userId', required: true }],
      responses: {
        200: { description: 'What was deleted (all zero when the user had nothing: deleting twice is no error)', schema: DeletedCounts },
        ...ADMIN_ONLY,
      },
      async handler({ req, principal }) {
        const { id } = req.params as { id: string };
        return deleteAll(deps.store, principal!.projectId, { userId: id });
      },
    }),
  ];
}
