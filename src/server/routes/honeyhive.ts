// HoneyHive compatibility (seed 003): event batches (legacy and v1), session start and single
// events, with `Authorization: Bearer KEY`. A request is validated whole: one bad event is a 400
// naming it, and nothing of that request is stored.
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { honeyhiveBatch, honeyhiveEvent, honeyhiveSessionStart, type HoneyHiveContext, type HoneyHiveResult } from '../../ingest/honeyhive/index.js';
import {
  HoneyHiveBatchBody, HoneyHiveBatchResponse, HoneyHiveEventBody, HoneyHiveEventResponse, HoneyHiveSessionResponse, HoneyHiveSessionStartBody,
} from '../../ingest/honeyhive/schema.js';
import { ErrorBody } from '../../model/schemas.js';
import { microsFromMillis } from '../../model/time.js';
import { requestJson } from '../body.js';
import type { AppDeps } from '../deps.js';
import { route, type ResponseDoc, type RouteSpec } from '../route.js';

const errors: Record<number, ResponseDoc> = {
  400: { description: 'Not JSON, or an invalid event or session (named in the message); nothing was stored', schema: ErrorBody },
  401: { description: 'No or unknown API key (send Authorization: Bearer KEY)', schema: ErrorBody },
  503: { description: 'Write queue full; retry after Retry-After', schema: ErrorBody },
};

type Adapter = (body: unknown, ctx: HoneyHiveContext) => HoneyHiveResult;

export function honeyhiveRoutes(deps: AppDeps): RouteSpec[] {
  /** Decode, map (ids the caller left out are random UUIDs, as HoneyHive makes them), store durably. */
  async function ingest(req: FastifyRequest, projectId: number, adapter: Adapter): Promise<HoneyHiveResult> {
    const receivedAt = microsFromMillis(Date.now());
    const body = await requestJson(req, deps.bodyLimit);
    const result = adapter(body, { receivedAt, headers: req.headers, newId: randomUUID });
    await deps.pipeline.ingest(projectId, result, receivedAt);
    return result;
  }

  const batchRoute = (path: string, summary: string) => route({
    method: 'POST',
    path,
    summary,
    tag: 'compat:honeyhive',
    scope: 'ingest',
    body: { 'application/json': HoneyHiveBatchBody },
    responses: { 200: { description: 'Stored (durably): the events\' ids and the session\'s', schema: HoneyHiveBatchResponse }, ...errors },
    async handler({ req, principal }) {
      const r = await ingest(req, principal!.projectId, honeyhiveBatch);
      return { event_ids: r.eventIds, session_id: r.sessionId, success: true };
    },
  });

  return [
    batchRoute('/events/batch', 'HoneyHive: create a batch of events (legacy route; is_single_session or single_session)'),
    batchRoute('/v1/events/batch', 'HoneyHive: create a batch of events (single_session or is_single_session)'),
    route({
      method: 'POST',
      path: '/session/start',
      summary: 'HoneyHive: start a session (a trace whose id is the session id)',
      tag: 'compat:honeyhive',
      scope: 'ingest',
      body: { 'application/json': HoneyHiveSessionStartBody },
      responses: { 200: { description: 'Stored (durably): the session id', schema: HoneyHiveSessionResponse }, ...errors },
      async handler({ req, principal }) {
        const r = await ingest(req, principal!.projectId, honeyhiveSessionStart);
        return { session_id: r.sessionId };
      },
    }),
    route({
      method: 'POST',
      path: '/events',
      summary: 'HoneyHive: create one event',
      tag: 'compat:honeyhive',
      scope: 'ingest',
      body: { 'application/json': HoneyHiveEventBody },
      responses: { 200: { description: 'Stored (durably): the event id', schema: HoneyHiveEventResponse }, ...errors },
      async handler({ req, principal }) {
        const r = await ingest(req, principal!.projectId, honeyhiveEvent);
        return { event_id: r.eventIds[0], success: true };
      },
    }),
  ];
}
