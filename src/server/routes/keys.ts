// The key API (issue 17, item 5), admin scope only: GET /api/v1/keys lists the project's keys
// (never a key itself nor its hash), POST creates one and shows it once, DELETE revokes one. The
// store refuses to revoke a project's last admin key (409). A key revoked here is refused on its
// next request to this server, and within a second on every other (auth.ts).
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { Scope } from '../../model/enums.js';
import { ErrorBody } from '../../model/schemas.js';
import type { ApiKeyInfo } from '../../store/store.js';
import { requestBody } from '../body.js';
import type { AppDeps } from '../deps.js';
import { createKey } from '../keys.js';
import { ADMIN_ONLY, route, type RouteSpec } from '../route.js';

export const ApiKey = z.object({
  id: z.string(),
  name: z.string().nullable(),
  prefix: z.string().describe('The first characters of the key, to recognise it'),
  scopes: z.array(Scope),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('When it last authenticated a request (to within a minute); null if never'),
  revokedAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const NewApiKeyInput = z.object({
  name: z.string().max(200).nullable().optional(),
  scopes: z.array(Scope).min(1).refine((s) => new Set(s).size === s.length, 'scopes must not repeat'),
}).strict();

const Created = ApiKey.extend({ key: z.string().describe('The key itself: shown this once, never again') });

const view = (k: ApiKeyInfo): ApiKey => ({
  id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt,
});

export function keyRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'GET', path: '/api/v1/keys', tag: 'admin', scope: 'admin',
      summary: "The project's API keys, revoked ones included, oldest first",
      responses: {
        200: { description: 'The keys', schema: z.object({ data: z.array(ApiKey) }) },
        ...ADMIN_ONLY,
      },
      async handler({ principal }) {
        return { data: (await deps.store.listApiKeys(principal!.projectId)).map(view) };
      },
    }),
    route({
      method: 'POST', path: '/api/v1/keys', tag: 'admin', scope: 'admin',
      summary: 'Create an API key for the project; the answer holds the key, shown once',
      body: { 'application/json': NewApiKeyInput },
      responses: {
        201: { description: 'Created; `key` is not stored and cannot be shown again', schema: Created },
        400: { description: 'Invalid name or scopes', schema: ErrorBody },
        ...ADMIN_ONLY,
      },
      async handler({ req, reply, principal }) {
        const input = await requestBody(req, deps.bodyLimit, NewApiKeyInput, 'body');
        const projectId = principal!.projectId;
        const { key, id } = await createKey(deps.store, projectId, input.scopes, input.name ?? null);
        const info = (await deps.store.listApiKeys(projectId)).find((k) => k.id === id);
        if (!info) throw new Error('a key just created was not listed');
        return reply.code(201).send({ ...view(info), key });
      },
    }),
    route({
      method: 'DELETE', path: '/api/v1/keys/:id', tag: 'admin', scope: 'admin',
      summary: "Revoke one of the project's keys (never its last admin key); revoking twice is no error",
      params: [{ name: 'id', in: 'path', description: 'The key id (from GET /api/v1/keys)', required: true }],
      responses: {
        200: { description: 'Revoked', schema: ApiKey },
        ...ADMIN_ONLY,
        404: { description: 'No such key in this project', schema: ErrorBody },
        409: { description: "It is the project's last admin key", schema: ErrorBody },
      },
      async handler({ req, principal }) {
        const { id } = req.params as { id: string };
        const projectId = principal!.projectId;
        const result = await deps.store.revokeApiKey(id, projectId);
        if (result === 'not_found') throw new LoupeError('not_found', `no key ${id} in this project`);
        if (result === 'last_admin') throw new LoupeError('conflict', "this is the project's last admin key: create another admin key first");
        deps.auth.forget(id);
        const info = (await deps.store.listApiKeys(projectId)).find((k) => k.id === id);
        if (!info) throw new Error('a key just revoked was not listed');
        return view(info);
      },
    }),
  ];
}
