// OtlpExport → Batch: each span runs through the convention mappers, then the parts that are
// the same for every convention (status and exceptions, resource attributes, raw attributes,
// events, links). Each trace seen gets a trace upsert carrying what its spans said about it.
import { emptyBatch, type AdapterResult, type SpanUpsert, type TraceUpsert } from '../../model/batch.js';
import { spanRangeProblem } from '../../model/ranges.js';
import { CONVENTIONS } from './conventions/index.js';
import { newDraft, str, type ConventionMapper, type SpanDraft } from './draft.js';
import { feedbackScores } from './feedback.js';
import type { Attributes, OtlpExport, OtlpSpan } from './types.js';

export interface OtlpMapOptions {
  /** Mappers run before the standard conventions (their fields win), e.g. langfuse.*. */
  extraConventions?: readonly ConventionMapper[];
}

function exception(span: OtlpSpan): string | undefined {
  for (const e of span.events) {
    if (e.name !== 'exception') continue;
    const type = str(e.attributes['exception.type']);
    const message = str(e.attributes['exception.message']);
    const stack = str(e.attributes['exception.stacktrace']);
    const head = [type, message].filter(Boolean).join(': ');
    // Stack traces usually open with "Type: message" already; do not say it twice.
    if (stack && head && stack.startsWith(head)) return stack;
    return [head, stack].filter(Boolean).join('\n') || 'exception';
  }
  return undefined;
}

function environmentOf(attrs: Attributes, resource: Attributes): string | undefined {
  return str(attrs['deployment.environment.name']) ?? str(attrs['deployment.environment'])
    ?? str(resource['deployment.environment.name']) ?? str(resource['deployment.environment']);
}

function traceFor(traces: Map<string, TraceUpsert>, id: string): TraceUpsert {
  let t = traces.get(id);
  if (!t) {
    t = { id };
    traces.set(id, t);
  }
  return t;
}

function toSpan(s: OtlpSpan, d: SpanDraft, resource: Attributes, scope: { name: string; version: string }): SpanUpsert {
  const exc = exception(s);
  const isError = s.statusCode === 2 || exc !== undefined || d.error !== undefined;
  const error = isError ? [...new Set([s.statusMessage, d.error, exc])].filter(Boolean).join('\n') || 'error' : undefined;
  const attributes: Record<string, unknown> = { ...s.attributes };
  if (scope.name) attributes['otel.scope.name'] = scope.name;
  if (scope.version) attributes['otel.scope.version'] = scope.version;
  attributes['otel.span.kind'] = s.kind;
  const service = str(resource['service.name']);
  if (service) d.metadata['service.name'] = service;
  const hasUsage = Object.keys(d.usage).length > 0;
  const span: SpanUpsert = {
    id: s.spanId,
    traceId: s.traceId,
    parentId: s.parentSpanId || null,
    kind: d.kind,
    name: d.name ?? s.name,
    status: isError ? 'error' : s.statusCode === 1 ? 'ok' : 'unset',
    startTime: s.startTime,
    endTime: s.endTime,
    attributes,
    events: s.events.map((e) => ({ name: e.name, time: e.time, attributes: e.attributes })),
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })),
  };
  if (error !== undefined) span.error = error;
  if (d.input !== undefined) span.input = d.input;
  if (d.output !== undefined) span.output = d.output;
  if (d.model !== undefined) span.model = d.model;
  if (d.provider !== undefined) span.provider = d.provider;
  if (d.params !== undefined) span.params = d.params;
  if (hasUsage) span.usage = d.usage;
  if (d.costUsd !== undefined) span.costUsd = d.costUsd;
  if (Object.keys(d.metadata).length) span.metadata = d.metadata;
  return span;
}

export function otlpToBatch(exp: OtlpExport, opts: OtlpMapOptions = {}): AdapterResult {
  const mappers = opts.extraConventions?.length ? [...opts.extraConventions, ...CONVENTIONS] : CONVENTIONS;
  const batch = emptyBatch();
  const rejected: AdapterResult['rejected'] = [];
  const traces = new Map<string, TraceUpsert>();
  /** The trace metadata each trace has taken so far from its resource (most traces: one). */
  const fromResource = new Map<TraceUpsert, Record<string, unknown>>();
  const refused = new Set<OtlpSpan>();

  exp.resourceSpans.forEach((rs, i) => {
    const resource = rs.resource;
    const service = str(resource['service.name']);
    const release = str(resource['service.version']);
    // The resource's attributes are kept once per trace (not on every span) under `resource`.
    const resourceMeta: Record<string, unknown> = { ...(service ? { 'service.name': service } : {}), ...(Object.keys(resource).length ? { resource } : {}) };
    rs.scopeSpans.forEach((ss, j) => {
      ss.spans.forEach((s, k) => {
        // Built only for a span refused (a template string per span shows in profiles).
        const where = () => `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`;
        if (!s.traceId || !s.spanId) {
          rejected.push({ item: where(), message: !s.traceId ? 'traceId must be 16 non-zero bytes (32 hex characters)' : 'spanId must be 8 non-zero bytes (16 hex characters)' });
          return;
        }
        const d = newDraft();
        for (const m of mappers) m.map({ span: s, attrs: s.attributes, resource }, d);
        const span = toSpan(s, d, resource, ss.scope);
        // Times past the year 2255, absurd token counts or costs (the model's one check): refuse
        // the span before it says anything about its trace.
        const problem = spanRangeProblem(span);
        if (problem) {
          rejected.push({ item: where(), message: problem });
          refused.add(s);
          return;
        }
        batch.spans.push(span);

        const t = traceFor(traces, s.traceId);
        const isRoot = !s.parentSpanId;
        if (isRoot) {
          t.name ??= d.traceName ?? span.name;
          if (t.input === undefined && (d.traceInput ?? span.input) !== undefined) t.input = d.traceInput ?? span.input;
          if (t.output === undefined && (d.traceOutput ?? span.output) !== undefined) t.output = d.traceOutput ?? span.output;
        } else {
          if (d.traceName) t.name ??= d.traceName;
          if (d.traceInput !== undefined) t.input ??= d.traceInput;
          if (d.traceOutput !== undefined) t.output ??= d.traceOutput;
        }
        if (d.userId) t.userId ??= d.userId;
        if (d.sessionId) t.sessionId ??= d.sessionId;
        const env = d.environment ?? environmentOf(s.attributes, resource);
        if (env) t.environment ??= env;
        const rel = d.release ?? release;
        if (rel) t.release ??= rel;
        if (d.tags?.length) t.tags = [...new Set([...(t.tags ?? []), ...d.tags])];
        let hasTraceMeta = false;
        for (const _ in d.traceMetadata) {
          hasTraceMeta = true;
          break;
        }
        // Merged as {...earlier, ...resource, ...span's trace metadata} span by span; the copy is
        // skipped when a span adds nothing new (its trace already took this resource, no own keys).
        if (hasTraceMeta || fromResource.get(t) !== resourceMeta) {
          const meta = { ...resourceMeta, ...d.traceMetadata };
          if (Object.keys(meta).length) t.metadata = { ...(t.metadata ?? {}), ...meta };
          fromResource.set(t, hasTraceMeta ? {} : resourceMeta);
        }
      });
    });
  });
  batch.traces = [...traces.values()];
  // Scores come from their span's attributes and events, at its times: a refused span's go with it.
  batch.scores.push(...feedbackScores(exp, refused));
  return { batch, rejected };
}
