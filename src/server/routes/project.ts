// Project settings an admin may read and change: the sampling rules (docs/sampling.md), the
// redaction rules with their counters and a dry run (docs/redaction.md), and the retention in
// days that the background purge enforces (docs/retention.md).
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import {
  compileRules, findMatches, REDACTION_SETTINGS_KEY, RedactionPatch, RedactionRules, redactString, rulesProblem,
} from '../../ingest/redaction/index.js';
import { SAMPLING_SETTINGS_KEY, SamplingPatch, SamplingRules } from '../../ingest/sampling.js';
import { ErrorBody } from '../../model/schemas.js';
import { requestBody } from '../body.js';
import type { AppDeps } from '../deps.js';
import { ADMIN_ONLY, route, type RouteSpec } from '../route.js';
import { issueText } from '../../model/issues.js';
import { RETENTION_SETTINGS_KEY, RetentionPatch, RetentionSettings, retentionFrom } from '../../store/retention.js';

/** What GET and PUT answer: the rules in force and what they masked. */
const RedactionView = RedactionRules.extend({
  counters: z.object({
    since: z.string().describe('When this server started counting (ISO 8601): counters are kept in memory, per server'),
    masked: z.record(z.string(), z.number().int()).describe('Values masked per rule name since then'),
  }),
});

const MAX_TEST_TEXT = 100_000;
const RedactionTest = z.strictObject({
  text: z.string().max(MAX_TEST_TEXT).describe(`Sample text (at most ${MAX_TEST_TEXT} characters)`),
  rules: RedactionPatch.optional().describe('A whole rule set to try instead of the stored one (built-ins not named are off); nothing is saved'),
});
const RedactionTestResult = z.object({
  text: z.string().describe('The text as it would be stored'),
  matches: z.array(z.object({ rule: z.string(), start: z.number().int(), end: z.number().int(), text: z.string() }))
    .describe('What each rule masked: offsets in the sample text (UTF-16 units, end exclusive) and the text masked'),
});

/** The full rule set a body describes, checked as a PUT would; a 400 when a rule is refused. */
function checkedRules(value: unknown): RedactionRules {
  const rules = RedactionRules.safeParse(value);
  if (!rules.success) throw new LoupeError('invalid_body', issueText(rules.error.issues));
  const problem = rulesProblem(rules.data);
  if (problem) throw new LoupeError('invalid_body', problem);
  return rules.data;
}

/** Stores one settings key of the key's project: its settings after, or 404 when the project is gone. */
async function putSetting(deps: AppDeps, projectId: number, key: string, value: unknown): Promise<Record<string, unknown>> {
  const settings = await deps.store.updateProjectSettings(projectId, { [key]: value });
  if (!settings) throw new LoupeError('not_found', `project ${projectId} not found`);
  return settings;
}

export function projectRoutes(deps: AppDeps): RouteSpec[] {
  const redactionView = async (projectId: number): Promise<z.infer<typeof RedactionView>> => ({
    ...(await deps.pipeline.redactionRules(projectId)),
    counters: { since: deps.pipeline.redactionCounters.since.toISOString(), masked: deps.pipeline.redactionCounters.of(projectId) },
  });
  return [
    route({
      method: 'GET', path: '/api/v1/project/sampling', tag: 'project', scope: 'admin',
      summary: "The key's project sampling rules (defaults filled in)",
      responses: { 200: { description: 'The rules', schema: SamplingRules }, ...ADMIN_ONLY },
      handler: async ({ principal }) => deps.pipeline.samplingRules(principal!.projectId),
    }),
    route({
      method: 'PUT', path: '/api/v1/project/sampling', tag: 'project', scope: 'admin',
      summary: "Change the project's sampling rules: the fields sent replace the stored ones, the others stay",
      body: { 'application/json': SamplingPatch },
      responses: {
        200: { description: 'The rules now in force (for the next request on)', schema: SamplingRules },
        400: { description: 'Unknown field or out-of-range value', schema: ErrorBody },
        ...ADMIN_ONLY,
      },
      async handler({ req, principal }) {
        const projectId = principal!.projectId;
        const patch = await requestBody(req, deps.bodyLimit, SamplingPatch);
        const rules = SamplingRules.parse({ ...(await deps.pipeline.samplingRules(projectId)), ...patch });
        await putSetting(deps, projectId, SAMPLING_SETTINGS_KEY, rules);
        return deps.pipeline.samplingRules(projectId);
      },
    }),
    route({
      method: 'GET', path: '/api/v1/project/retention', tag: 'project', scope: 'admin',
      summary: "The key's project retention: traces older than `days` are deleted by the background purge (null: kept forever)",
      responses: { 200: { description: 'The retention', schema: RetentionSettings }, ...ADMIN_ONLY },
      async handler({ principal }) {
        // From the database, not the settings cache: `loupe retention set` may have changed it beside this server.
        const project = await deps.store.findProject(String(principal!.projectId));
        if (!project) throw new LoupeError('not_found', `project ${principal!.projectId} not found`);
        return retentionFrom(project.settings);
      },
    }),
    route({
      method: 'PUT', path: '/api/v1/project/retention', tag: 'project', scope: 'admin',
      summary: "Change the project's retention: `{\"days\": N}` (1 to 36500) or `{\"days\": null}` to keep everything; the purge applies it within its interval",
      body: { 'application/json': RetentionPatch },
      responses: {
        200: { description: 'The retention now in force', schema: RetentionSettings },
        400: { description: 'Unknown field, or days not a whole number from 1 to 36500 (or null)', schema: ErrorBody },
        ...ADMIN_ONLY,
      },
      async handler({ req, principal }) {
        const patch = await requestBody(req, deps.bodyLimit, RetentionPatch);
        return retentionFrom(await putSetting(deps, principal!.projectId, RETENTION_SETTINGS_KEY, patch));
      },
    }),
    route({
      method: 'GET', path: '/api/v1/project/redaction', tag: 'project', scope: 'admin',
      summary: "The key's project redaction rules (defaults filled in: all off) and what they masked",
      responses: { 200: { description: 'The rules and counters', schema: RedactionView }, ...ADMIN_ONLY },
      handler: async ({ principal }) => redactionView(principal!.projectId),
    }),
    route({
      method: 'PUT', path: '/api/v1/project/redaction', tag: 'project', scope: 'admin',
      summary: "Change the project's redaction rules: built-ins sent are switched one by one, `rules` (when sent) replaces the list",
      body: { 'application/json': RedactionPatch },
      responses: {
        200: { description: 'The rules now in force (for the next request on) and the counters', schema: RedactionView },
        400: { description: 'Unknown field, or a rule refused: bad regex, empty match, catastrophic backtracking, duplicate name', schema: ErrorBody },
        ...ADMIN_ONLY,
      },
      async handler({ req, principal }) {
        const projectId = principal!.projectId;
        const patch = await requestBody(req, deps.bodyLimit, RedactionPatch);
        const stored = await deps.pipeline.redactionRules(projectId);
        const rules = checkedRules({ builtins: { ...stored.builtins, ...patch.builtins }, rules: patch.rules ?? stored.rules });
        await putSetting(deps, projectId, REDACTION_SETTINGS_KEY, rules);
        return redactionView(projectId);
      },
    }),
    route({
      method: 'POST', path: '/api/v1/project/redaction/test', tag: 'project', scope: 'admin',
      summary: 'Dry run: what the stored rules (or the rules given) would mask in a sample text; nothing is saved or counted',
      body: { 'application/json': RedactionTest },
      responses: {
        200: { description: 'The masked text and each match', schema: RedactionTestResult },
        400: { description: 'Bad body, or a given rule refused as a PUT would refuse it', schema: ErrorBody },
        ...ADMIN_ONLY,
      },
      async handler({ req, principal }) {
        const body = await requestBody(req, deps.bodyLimit, RedactionTest);
        const rules = body.rules ? checkedRules(body.rules) : await deps.pipeline.redactionRules(principal!.projectId);
        // Every rule runs, whatever its fields: the sample is not any one field.
        const all = compileRules(rules)?.all ?? [];
        const { text } = body;
        const matches = findMatches(text, all);
        return { text: redactString(text, all, undefined, matches), matches: matches.map((m) => ({ ...m, text: text.slice(m.start, m.end) })) };
      },
    }),
  ];
}
