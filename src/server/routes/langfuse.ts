// Langfuse compatibility: the ingestion batch API (207 per event), the OTel endpoint with the
// langfuse.* attributes mapped, and the two small reads SDKs make to check a base URL and keys.
// A Langfuse client needs only its base URL and keys changed (password = a Loupe key).
import { z } from 'zod';
import { microsFromMillis } from '../../model/time.js';
import { ErrorBody } from '../../model/schemas.js';
import { langfuseAdapter, ingestionResponse, resolvePending } from '../../ingest/langfuse/index.js';
import { langfuseConvention } from '../../ingest/langfuse/otel-convention.js';
import { IngestionRequest, IngestionResponse } from '../../ingest/langfuse/schema.js';
import { LruMap, stringBytes } from '../../store/lru.js';
import { requestJson } from '../body.js';
import type { AppDeps } from '../deps.js';
import { route, type RouteSpec } from '../route.js';
import { handleOtlp } from './otlp.js';

const Health = z.object({ status: z.literal('OK'), version: z.string() });
const Projects = z.object({ data: z.array(z.object({ id: z.string(), name: z.string(), metadata: z.record(z.string(), z.unknown()) })) });

export function langfuseRoutes(deps: AppDeps): RouteSpec[] {
  // Recent observation → trace pairs, so an update that names no traceId rarely needs the store.
  const recent = new LruMap<string, string>({ capacity: 100_000, maxBytes: 16 * 1024 * 1024, weigh: (k, v) => stringBytes(k) + stringBytes(v) + 64 });
  const extraConventions = [langfuseConvention];

  return [
    route({
      method: 'POST',
      path: '/api/public/ingestion',
      summary: 'Langfuse ingestion batch (trace, observation and score events); answers 207 per event',
      tag: 'ingest',
      scope: 'ingest',
      body: { 'application/json': IngestionRequest },
      responses: {
        207: { description: 'Per-event outcome: accepted events (stored durably) in successes, the others in errors', schema: IngestionResponse },
        400: { description: 'The body is not JSON or not {batch: [...]}', schema: ErrorBody },
        401: { description: 'No or unknown key (Basic auth: any user name, password = Loupe key)', schema: ErrorBody },
        503: { description: 'Write queue full; retry after Retry-After', schema: ErrorBody },
      },
      async handler({ req, reply, principal }) {
        const projectId = principal!.projectId;
        const receivedAt = microsFromMillis(Date.now());
        const body = await requestJson(req, deps.bodyLimit);
        const out = langfuseAdapter(body, { receivedAt, headers: req.headers });
        const found = new Map<string, string | null>();
        for (const p of out.pending) {
          if (found.has(p.observationId)) continue;
          found.set(p.observationId, recent.get(`${projectId}:${p.observationId}`) ?? await deps.store.findSpanTraceId(projectId, p.observationId));
        }
        resolvePending(out, (id) => found.get(id));
        for (const [obs, trace] of out.observations) recent.set(`${projectId}:${obs}`, trace);
        await deps.pipeline.ingest(projectId, out, receivedAt);
        return reply.code(207).send(ingestionResponse(out));
      },
    }),
    route({
      method: 'POST',
      path: '/api/public/otel/v1/traces',
      summary: 'Langfuse OTel endpoint: OTLP/HTTP (protobuf or JSON) with the langfuse.* attributes mapped',
      tag: 'ingest',
      scope: 'ingest',
      params: [{ name: 'Content-Encoding', in: 'header', description: 'gzip, deflate or absent' }],
      body: { 'application/x-protobuf': null, 'application/json': z.object({ resourceSpans: z.array(z.unknown()) }) },
      responses: {
        200: { description: 'Stored; partialSuccess lists rejected spans' },
        400: { description: 'Undecodable body (google.rpc.Status)' },
        401: { description: 'No or unknown key' },
        415: { description: 'Unknown Content-Type' },
        503: { description: 'Write queue full; retry after Retry-After' },
      },
      handler: ({ req, reply, principal }) => handleOtlp(deps, req, reply, principal!.projectId, { extraConventions }),
    }),
    route({
      method: 'GET',
      path: '/api/public/health',
      summary: 'Langfuse health check (for SDKs and tools that probe a Langfuse base URL)',
      tag: 'ops',
      responses: { 200: { description: 'Up', schema: Health } },
      handler: async () => ({ status: 'OK', version: deps.version }),
    }),
    route({
      method: 'GET',
      path: '/api/public/projects',
      summary: "Langfuse project lookup: the key's project (SDK auth checks call this)",
      tag: 'ops',
      scope: 'ingest',
      responses: { 200: { description: 'The project of the key', schema: Projects }, 401: { description: 'No or unknown key', schema: ErrorBody } },
      async handler({ principal }) {
        const p = await deps.store.findProject(String(principal!.projectId));
        return { data: p ? [{ id: String(p.id), name: p.name, metadata: {} }] : [] };
      },
    }),
  ];
}
