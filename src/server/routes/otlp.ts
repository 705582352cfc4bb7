// OTLP/HTTP: POST /v1/traces. The Collector's five steps: pick the decoder by Content-Type, read
// the body, decode (400 when impossible), hand to the pipeline, reply in the request's encoding
// only after the write is durable.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { microsFromMillis } from '../../model/time.js';
import { exportResponseJson, exportResponseProto, otlpEncoding, statusProto, summarise, type OtlpEncoding, type OtlpMapOptions } from '../../ingest/otlp/index.js';
import { requestBytes } from '../body.js';
import { decodeOtlpBody } from '../otlp-body.js';
import { retryAfterSeconds, toLoupeError } from '../error-handler.js';
import { routeOf } from '../http-errors.js';
import type { AppDeps } from '../deps.js';
import { route, type RouteSpec } from '../route.js';

const PartialSuccess = z.object({
  partialSuccess: z.object({ rejectedSpans: z.string(), errorMessage: z.string() }).optional(),
});

/**
 * Sends an error as google.rpc.Status in the request's encoding (JSON also carries Loupe's error
 * object); its code is the one OTLP/gRPC would answer, from the error catalogue.
 */
export function sendOtlpError(reply: FastifyReply, encoding: OtlpEncoding, e: LoupeError): FastifyReply {
  const retry = retryAfterSeconds(e);
  if (retry !== undefined) reply.header('retry-after', String(retry));
  reply.code(e.status);
  if (encoding === 'protobuf') return reply.type('application/x-protobuf').send(statusProto(e.grpc, e.message));
  return reply.type('application/json').send({ code: e.grpc, message: e.message, ...e.toJSON() });
}

/** The whole OTLP/HTTP exchange, shared with the compatibility routes that speak OTLP. */
export async function handleOtlp(deps: AppDeps, req: FastifyRequest, reply: FastifyReply, projectId: number, opts?: OtlpMapOptions): Promise<FastifyReply> {
  const encoding = otlpEncoding(req.headers['content-type']);
  if (!encoding) {
    throw new LoupeError('unsupported_media_type', `Content-Type "${req.headers['content-type'] ?? ''}" is not OTLP; use application/x-protobuf or application/json`);
  }
  const receivedAt = microsFromMillis(Date.now());
  try {
    const result = decodeOtlpBody(await requestBytes(req, deps.bodyLimit), encoding, opts);
    await deps.pipeline.ingest(projectId, result, receivedAt);
    const partial = summarise(result.rejected);
    reply.code(200);
    if (encoding === 'protobuf') return reply.type('application/x-protobuf').send(exportResponseProto(partial));
    return reply.type('application/json').send(exportResponseJson(partial));
  } catch (e) {
    return sendOtlpError(reply, encoding, toLoupeError(e, routeOf(req)));
  }
}

export function otlpRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'POST',
      path: '/v1/traces',
      summary: 'OTLP/HTTP trace export (protobuf or JSON, optionally gzip)',
      tag: 'ingest',
      scope: 'ingest',
      params: [{ name: 'Content-Encoding', in: 'header', description: 'gzip, deflate or absent' }],
      body: { 'application/x-protobuf': null, 'application/json': z.object({ resourceSpans: z.array(z.unknown()) }) },
      responses: {
        200: { description: 'Stored; partialSuccess lists rejected spans', schema: PartialSuccess },
        400: { description: 'Undecodable body (google.rpc.Status)' },
        401: { description: 'No or unknown key' },
        413: { description: 'Body too large' },
        415: { description: 'Unknown Content-Type' },
        503: { description: 'Write queue full; retry after Retry-After' },
      },
      handler: ({ req, reply, principal }) => handleOtlp(deps, req, reply, principal!.projectId),
    }),
  ];
}
