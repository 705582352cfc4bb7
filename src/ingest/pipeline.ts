// The one pipeline every transport feeds: the model's range checks, limits on what an item may
// carry, the project's sampling rules, its redaction rules, cost from the price table, then the writer. The caller's
// promise settles only after the write is durable.
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { AdapterResult, Batch, Rejection, ScoreUpsert, SpanUpsert, TraceUpsert } from '../model/batch.js';
import { COMMENT_CHARS, LABEL_CHARS, MAX_TAGS, NAME_CHARS } from '../model/field-limits.js';
import type { Writer } from '../store/writer.js';
import { LoupeError } from '../errors.js';
import { enforceRanges } from '../model/ranges.js';
import { applyCost, type PriceBook } from '../cost/book.js';
import { sampleBatch, samplingRulesFrom, type SamplingOutcome, type SamplingRules } from './sampling.js';
import { compileRules, redactBatch, RedactionCounters, redactionRulesFrom, type CompiledRedaction, type RedactionRules } from './redaction/index.js';

/** Reads a project's settings (null when unknown); the Store's getProjectSettings, cached there. */
export type SettingsSource = (projectId: number) => Promise<Record<string, unknown> | null>;

export interface IngestOptions {
  /**
   * always: apply the project's sampling rules (the collector); project (default): apply them
   * when the project switched them on for every surface; never: store all (explicit creations).
   */
  sampling?: 'always' | 'project' | 'never';
  /** false keeps costs exactly as sent (imports restore what an export held). Default true. */
  computeCost?: boolean;
  /**
   * true: a store behind on its background work (SQLite's compaction backlog) is waited for
   * instead of refusing the batch with 503 (imports: a bulk load the caller cannot resume
   * mid-file). Default false.
   */
  waitForRoom?: boolean;
}

export interface PipelineLimits {
  /** Longest string kept in input/output/attribute values; longer ones are cut with a marker. */
  maxStringLength: number;
  /** Most items one request may carry. */
  maxItemsPerRequest: number;
}

export const DEFAULT_LIMITS: PipelineLimits = { maxStringLength: 1_000_000, maxItemsPerRequest: 100_000 };

/**
 * From this many items a batch's stages run in separate turns of the event loop (the adapter's
 * mapping, then ranges and limits, then redaction and cost): for 2,000 spans of 4 KB each stage
 * holds the loop for tens of milliseconds, and reads answered on the same loop wait behind all of
 * them at once otherwise (docs/limits.md, overload). Small batches run straight through.
 */
export const YIELD_FROM_ITEMS = 500;

export interface IngestOutcome {
  accepted: number;
  rejected: Rejection[];
  /** Set when sampling ran: how many traces came, were kept, were left out. */
  sampling?: SamplingOutcome;
}

function truncate(v: unknown, max: number): unknown {
  if (typeof v === 'string') return v.length > max ? `${v.slice(0, max)}…[truncated ${v.length - max} chars]` : v;
  if (Array.isArray(v)) return v.map((x) => truncate(x, max));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = truncate(x, max);
    return out;
  }
  return v;
}

function hasLong(v: unknown, max: number): boolean {
  if (typeof v === 'string') return v.length > max;
  if (Array.isArray(v)) return v.some((x) => hasLong(x, max));
  if (v && typeof v === 'object') {
    for (const k in v) if (hasLong((v as Record<string, unknown>)[k], max)) return true;
  }
  return false;
}

/** A label cut to its length (no marker: it is matched and grouped by, and must stay the same cut). */
const label = (v: string | undefined, max: number) => (v !== undefined && v.length > max ? v.slice(0, max) : v);

/**
 * Every format's items held to one set of limits (issue 14, item 2): free text (input, output,
 * metadata, attributes, events) cut at maxStringLength with a marker, labels (names, model,
 * environment, tags…) at the lengths the native API accepts (model/field-limits.ts). Ids over
 * their length were refused before (model/ranges.ts). In place; copies only what is over.
 */
function limitTrace(t: TraceUpsert, max: number): void {
  if (hasLong(t.input, max)) t.input = truncate(t.input, max);
  if (hasLong(t.output, max)) t.output = truncate(t.output, max);
  if (hasLong(t.metadata, max)) t.metadata = truncate(t.metadata, max) as Record<string, unknown>;
  t.name = label(t.name, NAME_CHARS);
  t.environment = label(t.environment, LABEL_CHARS);
  t.release = label(t.release, LABEL_CHARS);
  if (t.tags && (t.tags.length > MAX_TAGS || t.tags.some((g) => g.length > LABEL_CHARS))) t.tags = t.tags.slice(0, MAX_TAGS).map((g) => label(g, LABEL_CHARS)!);
}

function limitSpan(s: SpanUpsert, max: number): void {
  if (hasLong(s.input, max)) s.input = truncate(s.input, max);
  if (hasLong(s.output, max)) s.output = truncate(s.output, max);
  if (hasLong(s.attributes, max)) s.attributes = truncate(s.attributes, max) as Record<string, unknown>;
  if (hasLong(s.metadata, max)) s.metadata = truncate(s.metadata, max) as Record<string, unknown>;
  if (s.events && hasLong(s.events, max)) s.events = truncate(s.events, max) as SpanUpsert['events'];
  if (s.error !== undefined && s.error !== null && s.error.length > max) s.error = truncate(s.error, max) as string;
  s.name = label(s.name, NAME_CHARS);
  s.model = label(s.model, LABEL_CHARS);
  s.provider = label(s.provider, LABEL_CHARS);
}

function limitScore(s: ScoreUpsert): void {
  s.name = label(s.name, LABEL_CHARS)!;
  s.comment = label(s.comment, COMMENT_CHARS);
  if (typeof s.value === 'string') s.value = label(s.value, COMMENT_CHARS)!;
}

export class Pipeline {
  /** Parsed rules per settings object: the store hands out a new object on every update. */
  private readonly rulesCache = new WeakMap<Record<string, unknown>, SamplingRules>();
  /** Redaction rules per settings object, parsed and compiled once (null: nothing to redact). */
  private readonly redactionCache = new WeakMap<Record<string, unknown>, { rules: RedactionRules; compiled: CompiledRedaction | null }>();
  /** What redaction masked, per project and rule, since start. */
  readonly redactionCounters = new RedactionCounters();
  private readonly limits: PipelineLimits;
  private readonly settings?: SettingsSource;
  private readonly prices?: PriceBook;

  constructor(private readonly writer: Writer, opts: { limits?: PipelineLimits; settings?: SettingsSource; prices?: PriceBook } = {}) {
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    this.settings = opts.settings;
    this.prices = opts.prices;
  }

  /** The project's sampling rules, defaults filled in. */
  async samplingRules(projectId: number): Promise<SamplingRules> {
    const settings = this.settings ? await this.settings(projectId) : null;
    if (!settings) return samplingRulesFrom(null);
    let rules = this.rulesCache.get(settings);
    if (!rules) this.rulesCache.set(settings, (rules = samplingRulesFrom(settings)));
    return rules;
  }

  private async redaction(projectId: number): Promise<{ rules: RedactionRules; compiled: CompiledRedaction | null }> {
    const settings = this.settings ? await this.settings(projectId) : null;
    if (!settings) return { rules: redactionRulesFrom(null), compiled: null };
    let r = this.redactionCache.get(settings);
    if (!r) {
      const rules = redactionRulesFrom(settings);
      this.redactionCache.set(settings, (r = { rules, compiled: compileRules(rules) }));
    }
    return r;
  }

  /** The project's redaction rules, defaults filled in. */
  async redactionRules(projectId: number): Promise<RedactionRules> {
    return (await this.redaction(projectId)).rules;
  }

  /** Applies ranges, limits, sampling, redaction and cost, then writes; resolves once durable. Throws LoupeError for refusals. */
  async ingest(projectId: number, result: AdapterResult, receivedAt: number, opts: IngestOptions = {}): Promise<IngestOutcome> {
    let batch: Batch = result.batch;
    const total = batch.traces.length + batch.spans.length + batch.scores.length;
    if (total > this.limits.maxItemsPerRequest) {
      throw new LoupeError('payload_too_large', `a request may carry at most ${this.limits.maxItemsPerRequest} items; this one has ${total}`);
    }
    const large = total >= YIELD_FROM_ITEMS;
    if (large) await yieldToLoop();
    // Every adapter refuses out-of-range items itself, in its own answer; this is the net under
    // them all (and under any adapter yet to come): nothing out of range is stored.
    const outOfRange = enforceRanges(batch);
    const rejected = [...result.rejected, ...outOfRange];
    let sampling: SamplingOutcome | undefined;
    const mode = opts.sampling ?? 'project';
    if (mode !== 'never') {
      const rules = await this.samplingRules(projectId);
      if (mode === 'always' || rules.appliesTo === 'all') ({ batch, outcome: sampling } = sampleBatch(batch, rules));
    }
    const max = this.limits.maxStringLength;
    for (const t of batch.traces) limitTrace(t, max);
    for (const s of batch.spans) limitSpan(s, max);
    for (const s of batch.scores) limitScore(s);
    if (large) await yieldToLoop();
    // After the limits, so no rule runs over more than maxStringLength characters of one value;
    // before cost and the writer, so nothing unredacted is stored. Off (the default): one cached lookup.
    const { compiled } = await this.redaction(projectId);
    if (compiled) this.redactionCounters.add(projectId, redactBatch(batch, compiled));
    if (this.prices && opts.computeCost !== false) await applyCost(this.prices, projectId, batch.spans, receivedAt);
    await this.writer.submit({ projectId, batch, receivedAt }, { waitForRoom: opts.waitForRoom });
    return { accepted: total - outOfRange.length, rejected, ...(sampling ? { sampling } : {}) };
  }
}
