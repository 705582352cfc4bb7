// Sampling: a project's rule set (keep errors; keep traces over a latency or cost threshold;
// keep a fraction of the rest) and the pure step that applies it to a batch. The fraction is
// decided from a hash of the trace id alone, so every piece of a trace, from any request or
// retry, gets the same answer and a retried batch stores exactly the traces it stored before.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Batch } from '../model/batch.js';
import { USAGE_KINDS } from '../model/enums.js';

export const SamplingRules = z.object({
  appliesTo: z.enum(['collector', 'all']).default('collector')
    .describe('collector: only POST /api/collector samples (default); all: every ingestion surface does'),
  keepErrors: z.boolean().default(true).describe('Keep every trace the batch shows as errored'),
  minDurationMs: z.number().nonnegative().nullable().default(null).describe('Keep traces at least this long (ms); null: no latency rule'),
  minCostUsd: z.number().nonnegative().nullable().default(null).describe('Keep traces costing at least this much (USD); null: no cost rule'),
  successRate: z.number().min(0).max(1).default(0.1).describe('Fraction (0..1) of the remaining traces kept, by trace id hash'),
});
export type SamplingRules = z.infer<typeof SamplingRules>;

/** A change to the rules: the fields sent replace those stored, the others stay. */
export const SamplingPatch = z.strictObject({
  appliesTo: z.enum(['collector', 'all']).optional(),
  keepErrors: z.boolean().optional(),
  minDurationMs: z.number().nonnegative().nullable().optional(),
  minCostUsd: z.number().nonnegative().nullable().optional(),
  successRate: z.number().min(0).max(1).optional(),
});
export type SamplingPatch = z.infer<typeof SamplingPatch>;

/** The key of the rules inside `projects.settings`. */
export const SAMPLING_SETTINGS_KEY = 'sampling';

export const DEFAULT_SAMPLING: SamplingRules = SamplingRules.parse({});

/** The rules stored in a project's settings, defaults filled in; unreadable stored rules fall back to the defaults. */
export function samplingRulesFrom(settings: Record<string, unknown> | null): SamplingRules {
  const parsed = SamplingRules.safeParse(settings?.[SAMPLING_SETTINGS_KEY] ?? {});
  return parsed.success ? parsed.data : DEFAULT_SAMPLING;
}

/** The trace id's place in [0, 1): the first 52 bits of its SHA-256, the same in every process. */
export function traceFraction(traceId: string): number {
  const h = createHash('sha256').update(traceId).digest();
  return (h.readUInt32BE(0) * 2 ** 20 + (h.readUInt32BE(4) >>> 12)) / 2 ** 52;
}

export type KeepReason = 'error' | 'latency' | 'cost' | 'rate';

/** What one batch shows about one trace: all the rules can see without reading the store. */
interface TraceFacts {
  error: boolean;
  durationMs: number;
  costUsd: number;
  start?: number;
  end?: number;
}

export interface SamplingOutcome {
  /** Distinct trace ids in the batch. */
  received: number;
  kept: number;
  sampledOut: number;
  keptIds: string[];
  sampledOutIds: string[];
}

function factsOf(batch: Batch): Map<string, TraceFacts> {
  const facts = new Map<string, TraceFacts>();
  const of = (id: string) => {
    let f = facts.get(id);
    if (!f) facts.set(id, (f = { error: false, durationMs: 0, costUsd: 0 }));
    return f;
  };
  const extend = (f: TraceFacts, start?: number, end?: number) => {
    if (start !== undefined) f.start = Math.min(f.start ?? start, start);
    if (end !== undefined) f.end = Math.max(f.end ?? end, end);
  };
  for (const t of batch.traces) {
    const f = of(t.id);
    if (t.status === 'error') f.error = true;
    if (t.durationMs !== undefined) f.durationMs = Math.max(f.durationMs, t.durationMs);
    extend(f, t.startTime, t.endTime);
  }
  for (const s of batch.spans) {
    const f = of(s.traceId);
    if (s.status === 'error') f.error = true;
    // Only llm and embedding spans count, as in the stored rollup: agents repeat their children's cost.
    if (s.costUsd !== undefined && (s.kind === undefined || USAGE_KINDS.includes(s.kind))) f.costUsd += s.costUsd;
    extend(f, s.startTime, s.endTime);
  }
  for (const sc of batch.scores) of(sc.traceId);
  for (const f of facts.values()) {
    if (f.start !== undefined && f.end !== undefined) f.durationMs = Math.max(f.durationMs, (f.end - f.start) / 1000);
  }
  return facts;
}

/** Why a trace is kept, or null when it is sampled out. */
export function keepReason(traceId: string, f: Omit<TraceFacts, 'start' | 'end'>, rules: SamplingRules): KeepReason | null {
  if (rules.keepErrors && f.error) return 'error';
  if (rules.minDurationMs !== null && f.durationMs >= rules.minDurationMs) return 'latency';
  if (rules.minCostUsd !== null && f.costUsd >= rules.minCostUsd) return 'cost';
  return traceFraction(traceId) < rules.successRate ? 'rate' : null;
}

/** Applies the rules to a batch: returns the batch holding only kept traces (and their spans and scores). */
export function sampleBatch(batch: Batch, rules: SamplingRules): { batch: Batch; outcome: SamplingOutcome } {
  const keptIds: string[] = [];
  const sampledOutIds: string[] = [];
  for (const [id, f] of factsOf(batch)) (keepReason(id, f, rules) ? keptIds : sampledOutIds).push(id);
  if (sampledOutIds.length === 0) {
    return { batch, outcome: { received: keptIds.length, kept: keptIds.length, sampledOut: 0, keptIds, sampledOutIds } };
  }
  const keep = new Set(keptIds);
  return {
    batch: {
      traces: batch.traces.filter((t) => keep.has(t.id)),
      spans: batch.spans.filter((s) => keep.has(s.traceId)),
      scores: batch.scores.filter((s) => keep.has(s.traceId)),
    },
    outcome: { received: keptIds.length + sampledOutIds.length, kept: keptIds.length, sampledOut: sampledOutIds.length, keptIds, sampledOutIds },
  };
}
