// GET /api/v1/whoami: what the request's key is (its project and scopes). Any valid key may ask,
// an ingest-only one too, so a client (the dashboard) can tell "wrong key" (401) from "this key
// cannot read" (a 200 whose scopes lack read) before it calls anything else.
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { Scope } from '../../model/enums.js';
import { ErrorBody } from '../../model/schemas.js';
import type { AppDeps } from '../deps.js';
import { route, type RouteSpec } from '../route.js';

export const WhoAmI = z.object({
  project: z.object({ id: z.string().describe('The numeric project id, as text (like projectId on traces)'), name: z.string() }),
  scopes: z.array(Scope).describe('What the key may do: ingest, read, admin (admin may do all)'),
  keyId: z.string().describe("The key's id (not the key itself)"),
});
export type WhoAmI = z.infer<typeof WhoAmI>;

export function whoamiRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'GET', path: '/api/v1/whoami', tag: 'auth', scope: 'any',
      summary: "The request's API key: its project, scopes and id (any valid key, whatever its scopes)",
      responses: {
        200: { description: 'The key', schema: WhoAmI },
        401: { description: 'No key, or an unknown one', schema: ErrorBody },
      },
      async handler({ principal }): Promise<WhoAmI> {
        const p = principal!;
        const project = await deps.store.findProject(String(p.projectId));
        // Projects are never deleted, so a key's project is there unless the database changed under the key.
        if (!project || project.id !== p.projectId) throw new LoupeError('not_found', `project ${p.projectId} of this key not found`);
        return { project: { id: String(project.id), name: project.name }, scopes: p.scopes, keyId: p.keyId };
      },
    }),
  ];
}
