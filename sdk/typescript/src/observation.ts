// Traces and spans as the app holds them. Each records into plain fields and hands itself to the
// recorder when it changes state; serialising to the wire happens later, in the sender. Every
// public method catches its own errors: tracing must never break the app it observes.
import { now, wireTime } from './clock.js';
import { spanId as newSpanId } from './ids.js';
import { completionOf, normalizeUsage, promptOf, usageOf } from './llm.js';
import { estimateBytes } from './size.js';
import { isRecord } from './util.js';
import type {
  Feedback, GenerationOptions, GenerationResult, Metadata, ScoreValue, SpanKind, SpanOptions, SpanUpdate,
  TraceOptions, TraceUpdate, Usage, WireEvent, WireScore, WireSpan, WireTrace,
} from './types.js';

/** What observations need from their client (kept narrow so the classes stay testable alone). */
export interface Recorder {
  enqueue(type: 0 | 1 | 2, item: { toWire(): object }, bytes: number): void;
  opened(span: Span): void;
  closed(span: Span): void;
  internalError(e: unknown): void;
}

const INERT_TRACE_ID = '0'.repeat(32);
const INERT_SPAN_ID = '0'.repeat(16);
/** Fixed part of a span's wire size (ids, times, kind, keys). */
const SPAN_BASE_BYTES = 160;
const GEN_KEYS = ['name', 'model', 'params', 'input', 'provider', 'metadata', 'attributes'];
/** Keys only our options have: a provider request never carries them. */
const OPTION_ONLY_KEYS = ['name', 'params', 'provider', 'metadata', 'attributes'];
/** Keys of generation.end()'s `{ output, usage, model?, costUsd? }`. */
const RESULT_KEYS = ['output', 'usage', 'model', 'costUsd'];

/** Whether generation()'s argument is our options, not a provider request or a plain input. */
function isGenerationOptions(v: unknown): v is GenerationOptions {
  if (!isRecord(v) || !GEN_KEYS.some((k) => k in v)) return false;
  // A provider request ({model, messages, temperature…} or {model, input…}) is the input.
  if (Array.isArray(v.messages)) return false;
  // {model, input, temperature…}: Responses' request. {model, input} alone reads the same either way.
  if ('input' in v && 'model' in v && !OPTION_ONLY_KEYS.some((k) => k in v) && Object.keys(v).some((k) => !GEN_KEYS.includes(k))) return false;
  return true;
}

/** Marks a span failed and ends it, and the trace it made too, if any (observe, wrapOpenAI). */
export function endWithError(span: Span, trace: Trace | undefined, err: unknown): void {
  span.error(err);
  span.end();
  trace?.error(err);
  trace?.end();
}

/** An error's parts as OpenTelemetry's exception event names them (the dashboard shows these). */
export function errorParts(err: unknown): { type: string; message: string; stack?: string } {
  if (err instanceof Error) return { type: err.name || 'Error', message: err.message, stack: err.stack };
  if (isRecord(err) && typeof err.message === 'string') {
    return { type: typeof err.name === 'string' ? err.name : 'Error', message: err.message, stack: typeof err.stack === 'string' ? err.stack : undefined };
  }
  return { type: 'Error', message: typeof err === 'string' ? err : safeString(err) };
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '[unprintable]';
  }
}

function scoreOf(f: Feedback): { name: string; value: ScoreValue; comment?: string } {
  const value = f.value ?? f.tag ?? 'feedback';
  const name = f.name ?? (f.value !== undefined && f.tag ? f.tag : 'feedback');
  return { name, value, comment: f.text };
}

/** A score is its own wire item; it lives in the queue until sent and nowhere else. */
class ScoreItem {
  constructor(private readonly wire: WireScore) {}
  toWire(): WireScore {
    return this.wire;
  }
}

/** What traces and spans share: making children, feedback, and their identity. */
export abstract class Observation {
  abstract readonly traceId: string;
  abstract readonly id: string;
  /** @internal */ abstract readonly root: Trace;
  /** @internal */ protected abstract readonly childParentId: string | null;
  /** Ends it now (a second end changes nothing). */
  abstract end(output?: unknown): void;
  /** Marks it failed with the error's type, message and stack. */
  abstract error(err: unknown): this;

  /** A span of any kind under this one. */
  span(options: SpanOptions & { kind?: SpanKind; input?: unknown }): Span {
    return this.child(options.kind ?? 'span', options.input, options);
  }

  /** A message of the conversation (seed 004's MESSAGE): input now, the reply at `.end(output)`. */
  message(input?: unknown, options?: SpanOptions): Span {
    return this.child('message', input, options);
  }

  tool(input?: unknown, options?: SpanOptions): Span {
    return this.child('tool', input, options);
  }

  agent(input?: unknown, options?: SpanOptions): Span {
    return this.child('agent', input, options);
  }

  system(input?: unknown, options?: SpanOptions): Span {
    return this.child('system', input, options);
  }

  /** A retrieval: the query now, the documents (ranked: id, content, score, metadata) at `.end(documents)`. */
  retrieval(query?: unknown, options?: SpanOptions): Span {
    return this.child('retrieval', query, options);
  }

  /**
   * An LLM call: `{ name?, model, params, input }` (input: the messages sent), ended with
   * `{ output, usage }`. A non-options argument (seed 004's `generation("…")`) is the input.
   */
  generation(options?: GenerationOptions | unknown): Generation {
    try {
      if (!this.root.rec) return INERT_GENERATION;
      const o: GenerationOptions = isGenerationOptions(options) ? options : { input: options };
      // A whole provider request as input: its messages are the prompt, the rest model and params.
      const p = promptOf(o.input);
      const opts = p.input === o.input ? o : { ...o, model: o.model ?? p.model, params: o.params ?? p.params };
      return new Generation(this.root, this.childParentId, 'llm', o.name ?? 'generation', p.input, opts);
    } catch (e) {
      this.root.rec?.internalError(e);
      return INERT_GENERATION;
    }
  }

  /**
   * A point in time worth seeing (seed 000's log event): a span of kind `log` that starts and ends
   * now, named by the message, `data` shown as its input beside the message.
   */
  log(message: string, data?: unknown, options?: { level?: 'debug' | 'info' | 'warn' | 'error' }): Span {
    try {
      if (!this.root.rec) return INERT_SPAN;
      const text = typeof message === 'string' ? message : safeString(message);
      const name = text.length > 200 ? `${text.slice(0, 199)}…` : text;
      const level = options?.level;
      const s = new Span(this.root, this.childParentId, 'log', name || 'log', data === undefined ? text : { message: text, data }, level ? { metadata: { level } } : undefined);
      if (level === 'error') s.status = 'error';
      s.end();
      return s;
    } catch (e) {
      this.root.rec?.internalError(e);
      return INERT_SPAN;
    }
  }

  /** User feedback as a score (source `user`); see Feedback for how tag, value and text map. */
  feedback(feedback: Feedback): void {
    try {
      const rec = this.root.rec;
      if (!rec || this.root.muted) return;
      const { name, value, comment } = scoreOf(feedback ?? {});
      const wire: WireScore = {
        id: `sc_${newSpanId()}${newSpanId()}`,
        traceId: this.traceId,
        name,
        value,
        comment,
        source: 'user',
        createdAt: wireTime(Date.now()),
      };
      if (this.childParentId) wire.spanId = this.childParentId;
      rec.enqueue(2, new ScoreItem(wire), 120 + name.length + (comment?.length ?? 0) + estimateBytes(value));
    } catch (e) {
      this.root.rec?.internalError(e);
    }
  }

  protected child(kind: SpanKind, input: unknown, options: SpanOptions | undefined): Span {
    try {
      if (!this.root.rec) return INERT_SPAN;
      return new Span(this.root, this.childParentId, kind, options?.name ?? kind, input, options);
    } catch (e) {
      this.root.rec?.internalError(e);
      return INERT_SPAN;
    }
  }
}

export class Trace extends Observation {
  readonly id: string;
  /** @internal */ readonly root: Trace = this;
  /** @internal */ protected readonly childParentId = null;
  /** @internal undefined: disabled, every call a no-op. */ readonly rec: Recorder | undefined;
  /** @internal evaluation-only mode and no testId: nothing of this trace is sent. */ muted: boolean;
  private readonly evaluationOnly: boolean;
  private name?: string;
  private externalId?: string;
  private readonly startTime: number;
  private endTime?: number;
  private input?: unknown;
  private output?: unknown;
  private userId?: string;
  private sessionId?: string;
  private environment?: string;
  private release?: string;
  private tags?: string[];
  private metadata?: Metadata;
  private testId?: string;
  private status?: 'error';

  /** @internal Use loupe.trace(). */
  constructor(rec: Recorder | undefined, id: string, o: TraceOptions, defaults: { environment?: string; release?: string; evaluationOnly: boolean }) {
    super();
    this.rec = rec;
    this.id = id;
    this.startTime = now();
    this.evaluationOnly = defaults.evaluationOnly;
    this.environment = defaults.environment;
    this.release = defaults.release;
    this.assign(o);
    this.muted = this.evaluationOnly && !this.testId;
    this.push();
  }

  get traceId(): string {
    return this.id;
  }

  private assign(o: TraceUpdate): void {
    if (o.name !== undefined) this.name = o.name;
    if (o.externalId !== undefined) this.externalId = o.externalId;
    if (o.userId !== undefined) this.userId = o.userId;
    if (o.conversationId !== undefined) this.metadata = { ...this.metadata, conversationId: o.conversationId };
    if (o.sessionId !== undefined) this.sessionId = o.sessionId;
    else if (o.conversationId !== undefined && this.sessionId === undefined) this.sessionId = o.conversationId;
    if (o.metadata !== undefined) this.metadata = { ...this.metadata, ...o.metadata };
    if (o.tags !== undefined) this.tags = o.tags;
    if (o.environment !== undefined) this.environment = o.environment;
    if (o.release !== undefined) this.release = o.release;
    if (o.testId !== undefined) this.testId = o.testId;
    if (o.input !== undefined) this.input = o.input;
    if (o.output !== undefined) this.output = o.output;
  }

  private push(): void {
    if (!this.rec || this.muted) return;
    this.rec.enqueue(0, this, 200 + estimateBytes(this.input) + estimateBytes(this.output) + estimateBytes(this.metadata));
  }

  /** Changes what the trace says (name, ids, metadata merged, input, output, testId…). */
  update(u: TraceUpdate): this {
    try {
      if (!this.rec) return this;
      this.assign(u ?? {});
      // A testId given late lets the rest of the trace through in evaluation-only mode; what was
      // recorded before it was not kept.
      if (this.muted && this.testId) this.muted = false;
      this.push();
    } catch (e) {
      this.rec?.internalError(e);
    }
    return this;
  }

  /** Ends the trace now, with its output. Spans still open stay open. */
  end(output?: unknown): void {
    try {
      if (!this.rec || this.endTime !== undefined) return;
      this.endTime = now();
      if (output !== undefined) this.output = output;
      this.push();
    } catch (e) {
      this.rec?.internalError(e);
    }
  }

  /** Marks the trace failed; the error's type, message and stack go into its metadata. */
  error(err: unknown): this {
    try {
      if (!this.rec) return this;
      const p = errorParts(err);
      this.status = 'error';
      this.metadata = { ...this.metadata, error: { type: p.type, message: p.message, stack: p.stack } };
      this.push();
    } catch (e) {
      this.rec?.internalError(e);
    }
    return this;
  }

  /** @internal */
  get ended(): boolean {
    return this.endTime !== undefined;
  }

  /** @internal */
  toWire(): WireTrace {
    return {
      id: this.id,
      name: this.name,
      externalId: this.externalId,
      status: this.status,
      startTime: wireTime(this.startTime),
      endTime: this.endTime === undefined ? undefined : wireTime(this.endTime),
      input: this.input,
      output: this.output,
      userId: this.userId,
      sessionId: this.sessionId,
      environment: this.environment,
      release: this.release,
      tags: this.tags,
      metadata: this.metadata,
      testId: this.testId,
    };
  }
}

export class Span extends Observation {
  readonly id: string;
  readonly traceId: string;
  readonly kind: SpanKind;
  /** @internal */ readonly root: Trace;
  /** @internal */ readonly parentId: string | null;
  /** @internal */ status: 'error' | undefined;
  /** @internal the open state was queued at a flush and nothing changed since */ sentOpen = false;
  protected name: string;
  protected readonly startTime: number;
  protected endTime: number | undefined;
  protected input: unknown;
  protected output: unknown;
  protected model?: string;
  protected provider?: string;
  protected params?: Metadata;
  protected usage?: Usage;
  protected costUsd?: number;
  protected metadata?: Metadata;
  protected attributes?: Metadata;
  private errorText?: string;
  private events?: WireEvent[];

  /** @internal Use trace.tool(), span.generation(), loupe.observe()… */
  constructor(root: Trace, parentId: string | null, kind: SpanKind, name: string, input: unknown, o?: SpanOptions) {
    super();
    this.startTime = now();
    this.root = root;
    this.traceId = root.id;
    this.parentId = parentId;
    this.kind = kind;
    this.name = name;
    this.input = input;
    this.id = root.rec ? newSpanId() : INERT_SPAN_ID;
    if (o) {
      this.model = o.model;
      this.provider = o.provider;
      this.params = o.params;
      this.metadata = o.metadata;
      this.attributes = o.attributes;
    }
    if (root.rec && !root.muted) root.rec.opened(this);
  }

  /** @internal */
  protected get childParentId(): string {
    return this.id;
  }

  /** @internal */
  get ended(): boolean {
    return this.endTime !== undefined;
  }

  /** Ends the span now; its output if given. A second end changes nothing. */
  end(output?: unknown): void {
    try {
      const rec = this.root.rec;
      if (!rec || this.endTime !== undefined) return;
      this.endTime = now();
      if (output !== undefined) this.output = output;
      rec.closed(this);
      if (!this.root.muted) rec.enqueue(1, this, this.bytes());
    } catch (e) {
      this.root.rec?.internalError(e);
    }
  }

  /** Marks the span failed: status error, the message, and an exception event with type and stack. */
  error(err: unknown): this {
    try {
      if (!this.root.rec) return this;
      const p = errorParts(err);
      this.status = 'error';
      this.errorText = p.message ? `${p.type}: ${p.message}` : p.type;
      (this.events ??= []).push({
        name: 'exception',
        time: wireTime(now()),
        attributes: { 'exception.type': p.type, 'exception.message': p.message, ...(p.stack ? { 'exception.stacktrace': p.stack } : {}) },
      });
      this.changed();
    } catch (e) {
      this.root.rec?.internalError(e);
    }
    return this;
  }

  /** Changes what the span says; metadata, params and attributes are merged. */
  update(u: SpanUpdate): this {
    try {
      if (!this.root.rec || !u) return this;
      if (u.name !== undefined) this.name = u.name;
      if (u.input !== undefined) this.input = u.input;
      if (u.output !== undefined) this.output = u.output;
      if (u.model !== undefined) this.model = u.model;
      if (u.provider !== undefined) this.provider = u.provider;
      if (u.costUsd !== undefined) this.costUsd = u.costUsd;
      if (u.usage !== undefined) this.usage = normalizeUsage(u.usage);
      if (u.metadata !== undefined) this.metadata = { ...this.metadata, ...u.metadata };
      if (u.params !== undefined) this.params = { ...this.params, ...u.params };
      if (u.attributes !== undefined) this.attributes = { ...this.attributes, ...u.attributes };
      this.changed();
    } catch (e) {
      this.root.rec?.internalError(e);
    }
    return this;
  }

  /** After an end, a change is sent as an update of its own; before, it rides with the end. */
  private changed(): void {
    this.sentOpen = false;
    const rec = this.root.rec;
    if (rec && this.endTime !== undefined && !this.root.muted) rec.enqueue(1, this, this.bytes());
  }

  /** @internal */
  bytes(): number {
    return SPAN_BASE_BYTES + this.name.length + estimateBytes(this.input) + estimateBytes(this.output)
      + (this.metadata ? estimateBytes(this.metadata) : 0) + (this.events ? estimateBytes(this.events) : 0);
  }

  /** @internal */
  toWire(): WireSpan {
    return {
      id: this.id,
      traceId: this.traceId,
      parentId: this.parentId,
      kind: this.kind,
      name: this.name,
      status: this.status,
      error: this.errorText,
      startTime: wireTime(this.startTime),
      endTime: this.endTime === undefined ? undefined : wireTime(this.endTime),
      input: this.input,
      output: this.output,
      model: this.model,
      provider: this.provider,
      params: this.params,
      usage: this.usage,
      costUsd: this.costUsd,
      metadata: this.metadata,
      attributes: this.attributes,
      events: this.events,
    };
  }
}

/** An LLM call: ended with `{ output, usage }` (or just the output). */
export class Generation extends Span {
  /**
   * Ends the call. `{ output, usage, model?, costUsd? }` is read as such; anything else is the
   * output. A provider's whole response is cut down to the completion message(s) and its usage.
   */
  override end(result?: GenerationResult | unknown): void {
    try {
      if (!this.root.rec || this.ended) return;
      let output: unknown = result;
      if (isRecord(result) && ('output' in result || 'usage' in result) && Object.keys(result).every((k) => RESULT_KEYS.includes(k))) {
        const r = result as GenerationResult;
        if (r.usage !== undefined) this.usage = normalizeUsage(r.usage);
        if (r.model !== undefined) this.model = r.model;
        if (r.costUsd !== undefined) this.costUsd = r.costUsd;
        output = r.output;
      }
      this.usage ??= usageOf(output);
      super.end(output === undefined ? undefined : completionOf(output));
    } catch (e) {
      this.root.rec?.internalError(e);
    }
  }
}

/** The objects a disabled SDK hands out: same methods, nothing recorded. */
export const INERT_TRACE = new Trace(undefined, INERT_TRACE_ID, {}, { evaluationOnly: false });
export const INERT_SPAN = new Span(INERT_TRACE, null, 'span', 'inert', undefined);
export const INERT_GENERATION = new Generation(INERT_TRACE, null, 'llm', 'inert', undefined);
