// Analytics routes: time-bucketed metrics, and the project's model prices (read, override, remove).
import { z } from 'zod';
import { LoupeError } from '../../errors.js';
import { ErrorBody } from '../../model/schemas.js';
import { isoFromMicros, microsFromIso, microsFromMillis } from '../../model/time.js';
import { LIST_PARAMS, type RawQuery } from '../../query/filter.js';
import { METRICS_PARAMS, MetricsPoint, metricsPoint, parseMetricsQuery } from '../../query/metrics.js';
import { BUILTIN_PRICES } from '../../cost/prices.js';
import { normalizeModel } from '../../cost/match.js';
import type { ModelPrice } from '../../cost/types.js';
import { requestJson } from '../body.js';
import type { AppDeps } from '../deps.js';
import { route, type ParamDoc, type RouteSpec } from '../route.js';

/** List parameters metrics do not take: paging, and the trace list's row extras. */
const NOT_METRICS = ['limit', 'cursor', 'order', 'include'];
const metricsParams: ParamDoc[] = [
  ...METRICS_PARAMS.map((p): ParamDoc => ({ name: p.name, in: 'query', description: p.description })),
  ...LIST_PARAMS.filter((p) => !NOT_METRICS.includes(p.name)).map((p): ParamDoc => ({ name: p.name, in: 'query', description: p.description, type: p.type })),
];

const Price = z.number().nonnegative().finite();
const PriceIn = z.object({
  modelPattern: z.string().min(1).max(200).describe('A model family (matches its dated snapshots and provider-prefixed names) or a glob with *'),
  inputPrice: Price.describe('USD per input token (not cache reads)'),
  outputPrice: Price.describe('USD per output token'),
  cacheReadPrice: Price.optional().describe('USD per cache-read input token; default: the input price'),
  effectiveFrom: z.string().optional().describe('ISO 8601; applies to spans starting at or after it (default: the epoch, i.e. always)'),
});
const PutPrices = z.object({ prices: z.array(PriceIn).min(1).max(1000) });
const PriceOut = z.object({
  modelPattern: z.string(),
  inputPrice: z.number(),
  outputPrice: z.number(),
  cacheReadPrice: z.number().nullable(),
  effectiveFrom: z.string(),
});
const PriceList = z.object({
  data: z.array(PriceOut).describe("The project's own prices"),
  builtin: z.array(PriceOut).describe('The built-in table'),
  match: z.object({ model: z.string(), at: z.string(), price: PriceOut.extend({ source: z.enum(['builtin', 'project']) }).nullable() }).optional(),
});

const priceOut = (p: ModelPrice) => ({
  modelPattern: p.modelPattern,
  inputPrice: p.inputPrice,
  outputPrice: p.outputPrice,
  cacheReadPrice: p.cacheReadPrice ?? null,
  effectiveFrom: isoFromMicros(p.effectiveFrom),
});

function time(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const us = microsFromIso(v);
  if (us === undefined) throw new LoupeError('invalid_query', `${field}: not an ISO 8601 time: ${v}`);
  return us;
}

export function analyticsRoutes(deps: AppDeps): RouteSpec[] {
  return [
    route({
      method: 'GET',
      path: '/api/v1/metrics',
      summary: 'Time-bucketed counts, error rate, latency percentiles (nearest rank: exact, or within 1% when a large window is answered from the SQLite metrics rollups, docs/metrics.md), tokens and cost, optionally grouped',
      tag: 'analytics',
      scope: 'read',
      params: metricsParams,
      responses: { 200: { description: 'One point per (bucket, group) with data, by bucket then group', schema: z.object({ data: z.array(MetricsPoint) }) }, 400: { description: 'Bad parameter', schema: ErrorBody } },
      async handler({ req, principal }) {
        const q = parseMetricsQuery(req.query as RawQuery);
        const rows = await deps.store.metrics(principal!.projectId, q);
        return { data: rows.map(metricsPoint) };
      },
    }),
    route({
      method: 'GET',
      path: '/api/v1/prices',
      summary: "The project's model prices and the built-in table; with model=NAME, the price that applies to it",
      tag: 'analytics',
      scope: 'read',
      params: [
        { name: 'model', in: 'query', description: 'A model name to resolve (e.g. openai/gpt-4o-2024-08-06)' },
        { name: 'at', in: 'query', description: 'Resolve at this ISO time (default now)' },
      ],
      responses: { 200: { description: 'Prices', schema: PriceList } },
      async handler({ req, principal }) {
        const { model, at } = req.query as { model?: string; at?: string };
        const own = await deps.store.listPrices(principal!.projectId);
        const out: z.infer<typeof PriceList> = { data: own.map(priceOut), builtin: BUILTIN_PRICES.map(priceOut) };
        if (model) {
          const when = time(at, 'at') ?? microsFromMillis(Date.now());
          const p = (await deps.prices.table(principal!.projectId)).lookup(model, when);
          out.match = { model, at: isoFromMicros(when), price: p ? { ...priceOut(p), source: p.source } : null };
        }
        return out;
      },
    }),
    route({
      method: 'PUT',
      path: '/api/v1/prices',
      summary: 'Override or add model prices for this project (upsert by model pattern and effective date)',
      tag: 'analytics',
      scope: 'admin',
      body: { 'application/json': PutPrices },
      responses: { 200: { description: "The project's prices after the update", schema: z.object({ data: z.array(PriceOut) }) }, 400: { description: 'Invalid body', schema: ErrorBody } },
      async handler({ req, principal }) {
        const parsed = PutPrices.safeParse(await requestJson(req, deps.bodyLimit));
        if (!parsed.success) {
          const i = parsed.error.issues[0];
          throw new LoupeError('invalid_body', `${i.path.join('.') || 'body'}: ${i.message}`, parsed.error.issues.map((x) => ({ path: x.path.join('.'), message: x.message })));
        }
        const entries = parsed.data.prices.map((p, i): ModelPrice => {
          const from = p.effectiveFrom === undefined ? 0 : microsFromIso(p.effectiveFrom);
          if (from === undefined) throw new LoupeError('invalid_body', `prices.${i}.effectiveFrom: not an ISO 8601 time: ${p.effectiveFrom}`);
          const pattern = normalizeModel(p.modelPattern);
          if (!pattern) throw new LoupeError('invalid_body', `prices.${i}.modelPattern: empty after removing provider prefixes`);
          return { modelPattern: pattern, inputPrice: p.inputPrice, outputPrice: p.outputPrice, cacheReadPrice: p.cacheReadPrice, effectiveFrom: from };
        });
        await deps.store.putPrices(principal!.projectId, entries);
        deps.prices.invalidate(principal!.projectId);
        return { data: (await deps.store.listPrices(principal!.projectId)).map(priceOut) };
      },
    }),
    route({
      method: 'DELETE',
      path: '/api/v1/prices',
      summary: "Remove a project's price entries for a model pattern (or only the one effective from a time)",
      tag: 'analytics',
      scope: 'admin',
      params: [
        { name: 'modelPattern', in: 'query', description: 'The pattern as stored', required: true },
        { name: 'effectiveFrom', in: 'query', description: 'Only the entry effective from this ISO time' },
      ],
      responses: { 200: { description: 'How many entries were removed', schema: z.object({ deleted: z.number().int() }) } },
      async handler({ req, principal }) {
        const { modelPattern, effectiveFrom } = req.query as { modelPattern?: string; effectiveFrom?: string };
        if (!modelPattern) throw new LoupeError('invalid_query', 'modelPattern is required');
        const deleted = await deps.store.deletePrices(principal!.projectId, normalizeModel(modelPattern), time(effectiveFrom, 'effectiveFrom'));
        deps.prices.invalidate(principal!.projectId);
        return { deleted };
      },
    }),
  ];
}
