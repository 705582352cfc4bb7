// Avido compatibility (seeds 000 and 001): POST /v0/ingest (Avido events) and POST /v0/otel/traces
// (OTLP with x-application-id). Both answer per item, `{data: [{success, id, error?}]}`: one bad
// event does not sink the others, and a request where nothing was valid is a 400 in the same shape.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { avidoToBatch, parseAvido, tracesToLookUp, type StoredLlmSpan } from '../../ingest/avido/index.js';
import { AvidoBody, AvidoResults, type AvidoItemResult } from '../../ingest/avido/schema.js';
import { otlpEncoding } from '../../ingest/otlp/index.js';
import { ErrorBody } from '../../model/schemas.js';
import { microsFromIso, microsFromMillis } from '../../model/time.js';
import type { Store } from '../../store/store.js';
import type { Principal } from '../auth.js';
import { requestBytes, requestJson } from '../body.js';
import type { AppDeps } from '../deps.js';
import { decodeOtlpBody } from '../otlp-body.js';
import { route, type RouteSpec } from '../route.js';

const APP_HEADER = 'x-application-id';
const header = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
};

/** The application must name the key's own project, by numeric id or by name. */
async function checkApplication(store: Store, principal: Principal, appId: string | undefined, required: boolean): Promise<void> {
  if (!appId) {
    if (required) throw new LoupeError('unauthorized', `the ${APP_HEADER} header is required: the id or name of the key's project`);
    return;
  }
  const project = await store.findProject(appId);
  if (!project || project.id !== principal.projectId) {
    throw new LoupeError('forbidden', `${APP_HEADER} "${appId}" does not name the project of this API key`);
  }
}

/** Stored llm spans of the traces the adapter must pair late llm ends with. */
async function storedLlmSpans(store: Store, projectId: number, traceIds: string[]): Promise<Map<string, StoredLlmSpan[]>> {
  const out = new Map<string, StoredLlmSpan[]>();
  for (const traceId of traceIds) {
    const page = await store.listSpans(projectId, { traceId, kind: 'llm' }, { limit: 1000, order: 'asc' });
    out.set(traceId, page.data.map((s) => ({
      id: s.id,
      model: s.model,
      startTime: s.startTime ? microsFromIso(s.startTime) ?? 0 : 0,
      endTime: s.endTime ? microsFromIso(s.endTime) ?? null : null,
    })));
  }
  return out;
}

const perItemResponses = {
  200: { description: 'Stored (durably); one result per item, failed items say why', schema: AvidoResults },
  400: { description: 'Not JSON, no events array, or no valid item (then with the per-item data)', schema: ErrorBody.extend({ data: z.array(z.unknown()).optional() }) },
  401: { description: 'No or unknown API key', schema: ErrorBody },
  403: { description: 'x-application-id names another project', schema: ErrorBody },
  503: { description: 'Write queue full; retry after Retry-After', schema: ErrorBody },
};

function allFailed(data: AvidoItemResult[]): LoupeError | undefined {
  if (data.length === 0 || data.some((d) => d.success)) return undefined;
  return new LoupeError('invalid_body', `no item was valid; first: ${data[0].id}: ${data[0].error ?? 'invalid'}`);
}

export function avidoRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'POST',
      path: '/v0/ingest',
      summary: 'Avido: ingest trace, llm (start/end), tool, retriever, log, group, request and response events',
      tag: 'compat:avido',
      scope: 'ingest',
      params: [{ name: APP_HEADER, in: 'header', description: "Optional: the key's project (numeric id or name); another project is a 403" }],
      body: { 'application/json': AvidoBody },
      responses: perItemResponses,
      async handler({ req, reply, principal }) {
        await checkApplication(deps.store, principal!, header(req, APP_HEADER), false);
        const receivedAt = microsFromMillis(Date.now());
        const parsed = parseAvido(await requestJson(req, deps.bodyLimit));
        const storedLlm = await storedLlmSpans(deps.store, principal!.projectId, tracesToLookUp(parsed));
        const result = avidoToBatch(parsed, { receivedAt, headers: req.headers, storedLlm });
        const failed = allFailed(result.items);
        if (failed) return reply.code(400).send({ ...failed.toJSON(), data: result.items });
        await deps.pipeline.ingest(principal!.projectId, result, receivedAt);
        return reply.send({ data: result.items });
      },
    }),
    route({
      method: 'POST',
      path: '/v0/otel/traces',
      summary: 'Avido: OTLP traces (JSON or protobuf) for the application named by x-application-id',
      tag: 'compat:avido',
      scope: 'ingest',
      params: [{ name: APP_HEADER, in: 'header', required: true, description: "The key's project (numeric id or name); another project is a 403" }],
      body: { 'application/json': z.object({ resourceSpans: z.array(z.unknown()) }), 'application/x-protobuf': null },
      responses: { ...perItemResponses, 415: { description: 'Neither JSON nor protobuf', schema: ErrorBody } },
      async handler({ req, reply, principal }) {
        await checkApplication(deps.store, principal!, header(req, APP_HEADER), true);
        const encoding = otlpEncoding(req.headers['content-type']);
        if (!encoding) throw new LoupeError('unsupported_media_type', `Content-Type "${req.headers['content-type'] ?? ''}" is not OTLP; use application/json or application/x-protobuf`);
        const receivedAt = microsFromMillis(Date.now());
        const result = decodeOtlpBody(await requestBytes(req, deps.bodyLimit), encoding);
        const data: AvidoItemResult[] = [
          ...result.batch.spans.map((s) => ({ success: true, id: s.id })),
          ...result.rejected.map((r) => ({ success: false, id: r.item, error: r.message })),
        ];
        const failed = allFailed(data);
        if (failed) return reply.code(400).send({ ...failed.toJSON(), data });
        await deps.pipeline.ingest(principal!.projectId, result, receivedAt);
        return reply.send({ data });
      },
    }),
  ];
}
