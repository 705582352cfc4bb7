// The OTLP/JSON lane of the sender: spans of OpenTelemetry instrumentation (integrations/otel.ts)
// go to the server's POST /v1/traces, where its OpenInference and GenAI mapping applies, in the
// same buffer and order as the native events, so one flush() and one stats() answer for both.
import type { Serializable } from './queue.js';

/** An ended OpenTelemetry span waiting to be sent: its OTLP span, and what groups it. */
export interface OtlpItem extends Serializable {
  readonly resource: Record<string, unknown>;
  readonly scope: { name: string; version?: string };
}

export const OTLP_PATH = '/v1/traces';

/** Attributes as OTLP/JSON key-values. */
export function keyValues(attrs: Record<string, unknown>, depth = 0, seen: object[] = []): Array<{ key: string; value: object }> {
  const out: Array<{ key: string; value: object }> = [];
  for (const [key, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    out.push({ key, value: anyValue(v, depth, seen) });
  }
  return out;
}

/** Nesting deeper than this (attributes are flat by the spec; this only guards odd values) is cut. */
const MAX_DEPTH = 8;

function anyValue(v: unknown, depth: number, seen: object[]): object {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (typeof v === 'object' && v !== null) {
    // A cycle or a runaway depth becomes a marker, never a stack overflow.
    if (seen.includes(v)) return { stringValue: '[circular]' };
    if (depth >= MAX_DEPTH) return { stringValue: '[too deep]' };
    seen.push(v);
    try {
      if (Array.isArray(v)) return { arrayValue: { values: v.filter((x) => x !== undefined && x !== null).map((x) => anyValue(x, depth + 1, seen)) } };
      return { kvlistValue: { values: keyValues(v as Record<string, unknown>, depth + 1, seen) } };
    } finally {
      seen.pop();
    }
  }
  return { stringValue: String(v) };
}

/** A batch as one export request, its spans grouped by resource and instrumentation scope. */
export function otlpBody(items: OtlpItem[]): string {
  const byResource = new Map<string, { resource: Record<string, unknown>; scopes: Map<string, { scope: OtlpItem['scope']; spans: object[] }> }>();
  for (const it of items) {
    const rkey = JSON.stringify(it.resource);
    let r = byResource.get(rkey);
    if (!r) byResource.set(rkey, (r = { resource: it.resource, scopes: new Map() }));
    const skey = `${it.scope.name}@${it.scope.version ?? ''}`;
    let g = r.scopes.get(skey);
    if (!g) r.scopes.set(skey, (g = { scope: it.scope, spans: [] }));
    g.spans.push(it.toWire());
  }
  return JSON.stringify({
    resourceSpans: [...byResource.values()].map((r) => ({
      resource: { attributes: keyValues(r.resource) },
      scopeSpans: [...r.scopes.values()].map((g) => ({ scope: g.scope, spans: g.spans })),
    })),
  });
}

/** How many spans a 2xx export answer says were refused (OTLP partial success), and why. */
export function otlpRefused(answer: string): { count: number; reason: string } | undefined {
  try {
    const p = (JSON.parse(answer) as { partialSuccess?: { rejectedSpans?: number | string; errorMessage?: string } })?.partialSuccess;
    const count = Number(p?.rejectedSpans ?? 0);
    if (count > 0) return { count, reason: `refused by the server: ${p?.errorMessage || 'invalid span'}` };
  } catch {
    // an empty or non-JSON 2xx: stored
  }
  return undefined;
}
