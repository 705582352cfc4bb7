// Langfuse usage and cost, in all their shapes, to Loupe's Usage. Loupe stores INCLUSIVE input and
// output totals (input counts cache reads and writes, output counts reasoning) plus the detail
// counts; Langfuse's own maps keep `input` exclusive of `input_*` details, so those are summed.
import type { Usage } from '../../model/schemas.js';

type Counts = Record<string, unknown>;

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : undefined);
const sub = (v: unknown): Counts | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Counts) : undefined);

function compact(u: Usage): Usage | undefined {
  const out: Usage = {};
  for (const [k, v] of Object.entries(u) as [keyof Usage, number | undefined][]) if (v !== undefined) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

/** OpenAI chat usage (`prompt_tokens`…) and Responses usage (`input_tokens`…): totals already inclusive. */
function openAi(d: Counts): Usage | undefined {
  if ('prompt_tokens' in d || 'completion_tokens' in d) {
    const pd = sub(d.prompt_tokens_details);
    const cd = sub(d.completion_tokens_details);
    return compact({ inputTokens: count(d.prompt_tokens), outputTokens: count(d.completion_tokens), totalTokens: count(d.total_tokens),
      cacheReadTokens: count(pd?.cached_tokens), reasoningTokens: count(cd?.reasoning_tokens) });
  }
  if ('input_tokens' in d && 'output_tokens' in d && ('total_tokens' in d || 'input_tokens_details' in d || 'output_tokens_details' in d)) {
    const id = sub(d.input_tokens_details);
    const od = sub(d.output_tokens_details);
    return compact({ inputTokens: count(d.input_tokens), outputTokens: count(d.output_tokens), totalTokens: count(d.total_tokens),
      cacheReadTokens: count(id?.cached_tokens), reasoningTokens: count(od?.reasoning_tokens) });
  }
  return undefined;
}

/** Langfuse's generic map: `input`, `output`, `total` and detail keys such as `input_cache_read`. */
function generic(d: Counts): Usage | undefined {
  const u: Required<Usage> = { inputTokens: 0, outputTokens: 0, totalTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  const seen = new Set<keyof Usage>();
  const add = (k: keyof Usage, n: number) => {
    u[k] += n;
    seen.add(k);
  };
  let sum = 0;
  let total: number | undefined;
  for (const [key, v] of Object.entries(d)) {
    const n = count(v);
    if (n === undefined) continue;
    const k = key.toLowerCase();
    if (k === 'total' || k === 'total_tokens') {
      total = n;
      continue;
    }
    sum += n;
    if (k.includes('input') || k.startsWith('prompt')) {
      add('inputTokens', n);
      if (/cache_?read|cached/.test(k)) add('cacheReadTokens', n);
      else if (/cache_?(creation|write)/.test(k)) add('cacheWriteTokens', n);
    } else if (k.includes('output') || k.startsWith('completion')) {
      add('outputTokens', n);
      if (k.includes('reasoning')) add('reasoningTokens', n);
    }
  }
  if (total !== undefined || sum > 0) add('totalTokens', total ?? sum);
  const out: Usage = {};
  for (const k of seen) out[k] = u[k];
  return compact(out);
}

export function usageFromDetails(d: Counts): Usage | undefined {
  return openAi(d) ?? generic(d);
}

export interface LegacyUsageIn {
  input?: number | null; output?: number | null; total?: number | null; unit?: string | null;
  inputCost?: number | null; outputCost?: number | null; totalCost?: number | null;
  promptTokens?: number | null; completionTokens?: number | null; totalTokens?: number | null;
}

export interface UsageAndCost {
  usage?: Usage;
  costUsd?: number;
  /** Counts in a unit other than tokens (characters, images…), kept as metadata. */
  otherUnits?: Record<string, unknown>;
}

/** costDetails: `total` when given, else the sum of the parts. */
export function costFromDetails(d: Record<string, number | null | undefined> | null | undefined): number | undefined {
  if (!d) return undefined;
  if (typeof d.total === 'number') return d.total;
  const parts = Object.values(d).filter((v): v is number => typeof v === 'number');
  return parts.length ? parts.reduce((a, b) => a + b, 0) : undefined;
}

/** usageDetails wins over legacy usage; costDetails wins over usage.*Cost. */
export function usageAndCost(usage: LegacyUsageIn | null | undefined, details: Counts | null | undefined,
  costDetails: Record<string, number | null | undefined> | null | undefined): UsageAndCost {
  const out: UsageAndCost = {};
  if (details) out.usage = usageFromDetails(details);
  if (usage) {
    const tokens = !usage.unit || usage.unit === 'TOKENS';
    const input = usage.input ?? usage.promptTokens;
    const output = usage.output ?? usage.completionTokens;
    const total = usage.total ?? usage.totalTokens;
    if (tokens) out.usage ??= compact({ inputTokens: count(input), outputTokens: count(output), totalTokens: count(total) });
    else if (input != null || output != null || total != null) out.otherUnits = { unit: usage.unit, input, output, total };
    const { inputCost, outputCost, totalCost } = usage;
    if (totalCost != null) out.costUsd = totalCost;
    else if (inputCost != null || outputCost != null) out.costUsd = (inputCost ?? 0) + (outputCost ?? 0);
  }
  const fromDetails = costFromDetails(costDetails);
  if (fromDetails !== undefined) out.costUsd = fromDetails;
  return out;
}
