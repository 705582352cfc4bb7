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
      responses: { 200: { description: 'Ready', schema: z.object({ status: z.literal('ready'), queuedItems: z.number() }) }, 503: { description: 'Not ready' } },
      async handler() {
        try {
          await deps.store.ping();
        } catch (e) {
          throw new LoupeError('unavailable', `database unreachable: ${(e as Error).message}`);
        }
        return { status: 'ready', queuedItems: deps.writer.stats.queuedItems };
      },
    }),
    route({
      method: 'GET', path: '/openapi.json', summary: 'This API, described (OpenAPI 3)', tag: 'ops',
      responses: { 200: { description: 'The OpenAPI document' } },
      handler: async () => (openapi ??= buildOpenApi(all(), deps.version)),
    }),
  ];
}
