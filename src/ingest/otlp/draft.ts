// A span being mapped: what conventions have said so far. Each convention mapper fills only
// fields that are still unset, so the order of the mapper list is the precedence.
import { maybeJson } from '../../json-depth.js';
import type { SpanKind } from '../../model/enums.js';
import type { Usage } from '../../model/schemas.js';
import type { AttrValue, Attributes, OtlpSpan } from './types.js';

export interface SpanDraft {
  kind?: SpanKind;
  name?: string;
  input?: unknown;
  output?: unknown;
  model?: string;
  provider?: string;
  params?: Record<string, unknown>;
  usage: Usage;
  costUsd?: number;
  userId?: string;
  sessionId?: string;
  tags?: string[];
  metadata: Record<string, unknown>;
  environment?: string;
  release?: string;
  /** Trace-level fields a span may set explicitly (e.g. langfuse.trace.*). */
  traceName?: string;
  traceInput?: unknown;
  traceOutput?: unknown;
  traceMetadata: Record<string, unknown>;
  /** Set when a convention marks the span failed without an OTLP error status (e.g. a level attribute). */
  error?: string;
}

export interface MapperInput {
  span: OtlpSpan;
  /** The span's own attributes. */
  attrs: Attributes;
  /** The resource's attributes (service.name, deployment.environment, …). */
  resource: Attributes;
}

/** A named attribute convention; it reads the input and fills unset fields of the draft. */
export interface ConventionMapper {
  name: string;
  map(input: MapperInput, draft: SpanDraft): void;
}

export function newDraft(): SpanDraft {
  return { usage: {}, metadata: {}, traceMetadata: {} };
}

/** Sets draft[key] when it is unset and the value is meaningful. */
export function fill<K extends keyof SpanDraft>(draft: SpanDraft, key: K, value: SpanDraft[K] | undefined | null): void {
  if (draft[key] !== undefined || value === undefined || value === null || value === '') return;
  draft[key] = value;
}

/** fill() with a value computed only when the field is still unset (the costly mappings: messages, documents). */
export function fillWith<K extends keyof SpanDraft>(draft: SpanDraft, key: K, compute: () => SpanDraft[K] | undefined | null): void {
  if (draft[key] === undefined) fill(draft, key, compute());
}

export function fillUsage(draft: SpanDraft, key: keyof Usage, value: unknown): void {
  const n = toInt(value);
  if (n !== undefined && draft.usage[key] === undefined) draft.usage[key] = n;
}

export function str(v: AttrValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, Math.round(v));
  if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v));
  return undefined;
}

export function toNum(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function asObject(v: unknown): Record<string, unknown> | undefined {
  const o = maybeJson(v);
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
}

/** Tags given as an array, a JSON-array string or comma-separated text. */
export function toTags(v: unknown): string[] | undefined {
  const parsed = maybeJson(v);
  if (Array.isArray(parsed)) {
    const tags = parsed.map((x) => (typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : '')).filter(Boolean);
    return tags.length ? tags : undefined;
  }
  if (typeof parsed === 'string' && parsed.trim()) return parsed.split(',').map((x) => x.trim()).filter(Boolean);
  return undefined;
}

const MAX_SLOTS = 10_000;

/**
 * Turns flattened keys `prefix.N.rest` into an array of objects keyed by `rest` (itself still
 * dotted): `llm.input_messages.0.message.role` → [{ 'message.role': … }]. Caps the index.
 */
export function unflattenList(attrs: Attributes, prefix: string): Array<Record<string, AttrValue>> | undefined {
  const p = `${prefix}.`;
  let out: Array<Record<string, AttrValue>> | undefined;
  for (const key in attrs) {
    if (!key.startsWith(p)) continue;
    const rest = key.slice(p.length);
    const dot = rest.indexOf('.');
    const idxText = dot === -1 ? rest : rest.slice(0, dot);
    if (!/^\d+$/.test(idxText)) continue;
    const idx = Number(idxText);
    if (idx >= MAX_SLOTS) continue;
    out ??= [];
    out[idx] ??= {};
    out[idx][dot === -1 ? '' : rest.slice(dot + 1)] = attrs[key];
  }
  return out?.filter((x) => x !== undefined);
}

/** The `rest`-keyed object of one list entry, narrowed to keys under `sub.` with that prefix removed. */
export function under(entry: Record<string, AttrValue>, sub: string): Record<string, AttrValue> {
  const p = `${sub}.`;
  const out: Record<string, AttrValue> = {};
  for (const k in entry) if (k.startsWith(p)) out[k.slice(p.length)] = entry[k];
  return out;
}

/** The shared parse of JSON inside strings (json-depth.ts), for the modules that import it from here. */
export { maybeJson };
