// LoupeSpanProcessor: a span processor for the OpenTelemetry JS SDK that sends the spans of
// existing OpenTelemetry or OpenInference instrumentation to Loupe as OTLP (the server maps the
// OpenInference and GenAI conventions), through the client's own sender: same buffer, retries,
// flush() and stats(). Written against the processor interface's shape, so the SDK stays free of
// dependencies (no @opentelemetry import).
//
// One tree: a span that starts without an OpenTelemetry parent while a Loupe observation is
// current (inside loupe.observe, or loupe.withObservation) is put under that observation: it
// and every span of its OpenTelemetry trace are sent with the Loupe trace's id, and it with the
// observation as its parent. The other way round (a Loupe span inside an OpenTelemetry span)
// needs the OpenTelemetry context, which this SDK does not read.
import { Loupe } from '../client.js';
import type { Observation, Trace } from '../observation.js';
import { keyValues, type OtlpItem } from '../otlp.js';
import { estimateBytes } from '../size.js';

/** What the processor reads of an OpenTelemetry ReadableSpan (SDK 1.x and 2.x). */
export interface OtelSpan {
  name: string;
  kind: number;
  spanContext(): { traceId: string; spanId: string };
  /** SDK 2.x */
  parentSpanContext?: { spanId: string } | undefined;
  /** SDK 1.x */
  parentSpanId?: string;
  startTime: [number, number];
  endTime: [number, number];
  attributes: Record<string, unknown>;
  events: Array<{ name: string; time: [number, number]; attributes?: Record<string, unknown> }>;
  links?: Array<{ context: { traceId: string; spanId: string }; attributes?: Record<string, unknown> }>;
  status: { code: number; message?: string };
  resource?: { attributes: Record<string, unknown> };
  /** SDK 2.x */
  instrumentationScope?: { name: string; version?: string };
  /** SDK 1.x */
  instrumentationLibrary?: { name: string; version?: string };
}

export interface LoupeSpanProcessorOptions {
  /** The client whose sender carries the spans; default the most recently made one (Loupe.active()). */
  loupe?: Loupe;
}

/** Where a re-parented OpenTelemetry trace goes: the Loupe trace, and the root's new parent. */
interface Placement {
  traceId: string;
  root: Trace;
  parentId?: string;
  /** The OpenTelemetry span placed under the observation: it alone gets parentId. */
  rootSpanId: string;
}

/**
 * Re-parented traces remembered, least recently used first; past it the oldest is forgotten. A
 * placement is kept after its spans end (a root may get children later, from a callback), so
 * this bound is what limits them.
 */
const MAX_PLACEMENTS = 10_000;

export class LoupeSpanProcessor {
  private readonly placements = new Map<string, Placement>();

  constructor(private readonly options: LoupeSpanProcessorOptions = {}) {}

  private get loupe(): Loupe | undefined {
    return this.options.loupe ?? Loupe.active();
  }

  /** The placement of an OpenTelemetry trace, marked as the most recently used. */
  private placement(otelTrace: string): Placement | undefined {
    const placed = this.placements.get(otelTrace);
    if (placed) {
      this.placements.delete(otelTrace);
      this.placements.set(otelTrace, placed);
    }
    return placed;
  }

  onStart(span: OtelSpan): void {
    try {
      const otelTrace = span.spanContext().traceId;
      if (this.placement(otelTrace)) return;
      if (parentOf(span) !== undefined) return;
      const current: Observation | undefined = this.loupe?.current();
      if (!current) return;
      if (this.placements.size >= MAX_PLACEMENTS) this.placements.delete(this.placements.keys().next().value!);
      // Under a trace: a top-level span; under a span: that span is the parent.
      const parentId = current.root === current ? undefined : current.id;
      this.placements.set(otelTrace, { traceId: current.traceId, root: current.root, parentId, rootSpanId: span.spanContext().spanId });
    } catch (e) {
      this.lost(e);
    }
  }

  onEnd(span: OtelSpan): void {
    try {
      const loupe = this.loupe;
      if (!loupe) {
        this.warnNoClient();
        return;
      }
      const item = new OtlpSpan(span, this.placement(span.spanContext().traceId));
      loupe.sendOtlp(item, item.bytes(), this.placements.get(span.spanContext().traceId)?.root);
    } catch (e) {
      this.lost(e);
    }
  }

  /** A span the processor could not handle: said through the client (onError, one warning). */
  private lost(e: unknown): void {
    try {
      const loupe = this.loupe;
      if (loupe) loupe.reportInternal(e);
      else this.warnNoClient();
    } catch {
      // never break the instrumented app
    }
  }

  private warned = false;

  private warnNoClient(): void {
    if (this.warned) return;
    this.warned = true;
    try {
      console.warn('Loupe: LoupeSpanProcessor has no client (pass { loupe }, or create a Loupe first): OpenTelemetry spans are not sent.');
    } catch {
      // no console
    }
  }

  /** Sends what the client holds (its own events too) and waits for the server's answer. */
  async forceFlush(): Promise<void> {
    await this.loupe?.flush().catch(() => undefined);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}

function parentOf(span: OtelSpan): string | undefined {
  return span.parentSpanContext?.spanId ?? (span.parentSpanId || undefined);
}

const nanos = (t: [number, number]): string => (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();

/** An ended OpenTelemetry span, queued in the client's sender and encoded as OTLP/JSON when sent. */
export class OtlpSpan implements OtlpItem {
  readonly resource: Record<string, unknown>;
  readonly scope: { name: string; version?: string };
  private readonly span: object;

  constructor(s: OtelSpan, placed: Placement | undefined) {
    const ctx = s.spanContext();
    let parent = parentOf(s);
    if (placed && ctx.spanId === placed.rootSpanId) parent = placed.parentId;
    this.resource = s.resource?.attributes ?? {};
    this.scope = s.instrumentationScope ?? s.instrumentationLibrary ?? { name: 'unknown' };
    this.span = {
      traceId: placed?.traceId ?? ctx.traceId,
      spanId: ctx.spanId,
      ...(parent ? { parentSpanId: parent } : {}),
      name: s.name,
      // OpenTelemetry JS counts kinds from 0 (INTERNAL); OTLP from 1.
      kind: s.kind + 1,
      startTimeUnixNano: nanos(s.startTime),
      endTimeUnixNano: nanos(s.endTime),
      attributes: keyValues(s.attributes),
      events: s.events.map((e) => ({ name: e.name, timeUnixNano: nanos(e.time), attributes: keyValues(e.attributes ?? {}) })),
      links: (s.links ?? []).map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: keyValues(l.attributes ?? {}) })),
      status: { code: s.status.code, ...(s.status.message ? { message: s.status.message } : {}) },
    };
  }

  toWire(): object {
    return this.span;
  }

  /** A cheap size estimate for the buffer's byte bound: the attribute values' lengths. */
  bytes(): number {
    let n = 256;
    for (const kv of (this.span as { attributes: Array<{ value: unknown }> }).attributes) n += 32 + estimateBytes(kv.value);
    return n;
  }
}
