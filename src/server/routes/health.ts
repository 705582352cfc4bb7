// Liveness, readiness and the API description.
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { buildOpenApi } from '../openapi.js';
import type { AppDeps } from '../deps.js';
import { route, type RouteSpec } from '../route.js';

export function healthRoutes(deps: AppDeps, all: () => RouteSpec[]): RouteSpec[] {
  let openapi: Record<string, unknown> | undefined;
  return [
    route({
      method: 'GET', path: '/healthz', summary: 'Liveness: the process answers', tag: 'ops',
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
      handler: async () => ({ status: 'ok' }),
    }),
    route({
      method: 'GET', path: '/readyz', summary: 'Readiness: the database answers and writes are accepted', tag: 'ops',
      responses: {
        200: {
          description: 'Ready',
          schema: z.object({
            status: z.literal('ready'),
            queuedItems: z.number().describe('Items (traces, spans, scores) waiting in the write queue'),
            compaction: z.object({
              backlogSpans: z.number().describe('Spans stored but not yet compacted (SQLite: chunked, packed, in the span metrics rollup)'),
              behindSeconds: z.number().describe('Age of the oldest of them'),
              cpuSeconds: z.number().nullable().describe("CPU time of the compactor's thread since it started"),
            }).nullable().describe('Background compaction (SQLite, once something was written); null otherwise'),
          }),
        },
        503: { description: 'Not ready' },
      },
      async handler() {
        try {
          await deps.store.ping();
        } catch (e) {
          throw new LoupeError('unavailable', `database unreachable: ${(e as Error).message}`);
        }
        return { status: 'ready', queuedItems: deps.writer.stats.queuedItems, compaction: deps.store.compactionStatus?.() ?? null };
      },
    }),
    route({
      method: 'GET', path: '/openapi.json', summary: 'This API, described (OpenAPI 3)', tag: 'ops',
      responses: { 200: { description: 'The OpenAPI document' } },
      handler: async () => (openapi ??= buildOpenApi(all(), deps.version)),
    }),
  ];
}
