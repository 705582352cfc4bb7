// Project settings an admin may read and change: the sampling rules (docs/sampling.md).
import { LoupeError } from '../../errors.js';
import { SAMPLING_SETTINGS_KEY, SamplingPatch, SamplingRules } from '../../ingest/sampling.js';
import { ErrorBody } from '../../model/schemas.js';
import { requestJson } from '../body.js';
import type { AppDeps } from '../deps.js';
import { route, type RouteSpec } from '../route.js';
import { issueText } from '../../model/issues.js';

export function projectRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'GET', path: '/api/v1/project/sampling', tag: 'project', scope: 'admin',
      summary: "The key's project sampling rules (defaults filled in)",
      responses: { 200: { description: 'The rules', schema: SamplingRules }, 403: { description: 'The key lacks the admin scope', schema: ErrorBody } },
      handler: async ({ principal }) => deps.pipeline.samplingRules(principal!.projectId),
    }),
    route({
      method: 'PUT', path: '/api/v1/project/sampling', tag: 'project', scope: 'admin',
      summary: "Change the project's sampling rules: the fields sent replace the stored ones, the others stay",
      body: { 'application/json': SamplingPatch },
      responses: {
        200: { description: 'The rules now in force (for the next request on)', schema: SamplingRules },
        400: { description: 'Unknown field or out-of-range value', schema: ErrorBody },
        403: { description: 'The key lacks the admin scope', schema: ErrorBody },
      },
      async handler({ req, principal }) {
        const projectId = principal!.projectId;
        const patch = SamplingPatch.safeParse(await requestJson(req, deps.bodyLimit));
        if (!patch.success) throw new LoupeError('invalid_body', issueText(patch.error.issues));
        const rules = SamplingRules.parse({ ...(await deps.pipeline.samplingRules(projectId)), ...patch.data });
        const settings = await deps.store.updateProjectSettings(projectId, { [SAMPLING_SETTINGS_KEY]: rules });
        if (!settings) throw new LoupeError('not_found', `project ${projectId} not found`);
        return deps.pipeline.samplingRules(projectId);
      },
    }),
  ];
}
