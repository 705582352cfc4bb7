// Pure helpers for the span panel: reading unknown JSON safely, and the small normalisations
// (documents, embedding inputs, vectors) the kind bodies share.

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Array.isArray without its `any[]`: the items of an unknown list are unknown. */
export function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Parses text that looks like a JSON object or array; anything else comes back as it was. */
export function maybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']')))) return v;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return v;
  }
}

/** JSON text that never throws: cycles and BigInts (not expected, but values are untrusted) become text. */
export function toJsonText(v: unknown, indent = 2): string {
  if (typeof v === 'string') return v;
  try {
    const seen = new WeakSet<object>();
    const text = JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'bigint') return x.toString();
      if (typeof x === 'object' && x !== null) {
        if (seen.has(x)) return '[circular]';
        seen.add(x);
      }
      return x;
    }, indent);
    return text ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * JSON indented by two, except that an array or object whose one-line form is short stays on one
 * line: `"rows": [["a", 1], ["b", 2]]` rather than ten lines of brackets.
 */
export function compactJson(v: unknown, width = 72): string {
  // The one-line form, or null as soon as it outgrows the budget (big values are not built twice).
  const inline = (x: unknown, budget: number): string | null => {
    if (budget < 0) return null;
    if (Array.isArray(x) || isRecord(x)) {
      const parts: string[] = [];
      let used = 2;
      for (const [k, y] of Array.isArray(x) ? x.map((y, i): [string, unknown] => [String(i), y]) : Object.entries(x)) {
        const key = Array.isArray(x) ? '' : `${JSON.stringify(k)}: `;
        const t = inline(y, budget - used - key.length);
        if (t === null) return null;
        parts.push(key + t);
        used += key.length + t.length + 2;
        if (used > budget) return null;
      }
      return Array.isArray(x) ? `[${parts.join(', ')}]` : `{${parts.join(', ')}}`;
    }
    const t = JSON.stringify(x) ?? 'null';
    return t.length <= budget ? t : null;
  };
  const walk = (x: unknown, indent: string): string => {
    const one = inline(x, width - indent.length);
    if (one !== null) return one;
    if (!Array.isArray(x) && !isRecord(x)) return JSON.stringify(x) ?? 'null';
    const inner = indent + '  ';
    const items = Array.isArray(x)
      ? x.map((y) => inner + walk(y, inner))
      : Object.entries(x).map(([k, y]) => `${inner}${JSON.stringify(k)}: ${walk(y, inner)}`);
    return Array.isArray(x) ? `[\n${items.join(',\n')}\n${indent}]` : `{\n${items.join(',\n')}\n${indent}}`;
  };
  try {
    // Through the safe text first: cycles and BigInts cannot be walked.
    return walk(JSON.parse(toJsonText(v, 0)) as unknown, '');
  } catch {
    return toJsonText(v);
  }
}

/** Function-call arguments pretty-printed when they parse, verbatim when they do not. */
export function prettyArgs(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'string') {
    try {
      return compactJson(JSON.parse(v) as unknown);
    } catch {
      return v;
    }
  }
  return compactJson(v);
}

export function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return isRecord(v) && Object.keys(v).length === 0;
}

// ---- documents (retrieval, reranker) -------------------------------------------------------

export interface Doc {
  id?: string;
  score?: number;
  content?: string;
  /** A content that is not text (rare), shown as a tree. */
  contentValue?: unknown;
  metadata?: unknown;
}

function pick(o: Record<string, unknown>, keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function toDoc(raw: unknown): Doc | null {
  if (typeof raw === 'string') return { content: raw };
  if (!isRecord(raw)) return null;
  // OpenInference nests under `document`, LangChain calls the text `page_content`, Cohere `relevance_score`.
  const o = isRecord(raw.document) ? { ...raw, ...raw.document } : raw;
  const id = pick(o, ['id', 'document_id', 'doc_id', 'index']);
  const content = pick(o, ['content', 'text', 'page_content', 'pageContent', 'document']);
  const doc: Doc = {};
  if (id !== undefined) doc.id = typeof id === 'string' ? id : toJsonText(id, 0);
  const score = toNumber(pick(o, ['score', 'relevance_score', 'relevanceScore', 'similarity', 'distance']));
  if (score !== undefined) doc.score = score;
  if (typeof content === 'string') doc.content = content;
  else if (content !== undefined && !isRecord(raw.document)) doc.contentValue = content;
  const meta = maybeJson(o.metadata);
  if (!isEmpty(meta)) doc.metadata = meta;
  return doc;
}

/** The value as a document list, or null when it is not one (then it is shown as plain JSON). */
export function asDocuments(v: unknown): Doc[] | null {
  const value = maybeJson(v);
  const list = isList(value) ? value : isRecord(value) && isList(value.documents) ? value.documents : null;
  if (!list || !list.length) return null;
  const docs: Doc[] = [];
  for (const raw of list) {
    const d = toDoc(raw);
    if (!d) return null;
    docs.push(d);
  }
  return docs;
}

// ---- embeddings ------------------------------------------------------------------------------

/** The texts an embedding call embedded, from the many shapes SDKs record; null if none are found. */
export function embeddingTexts(input: unknown, attributes: Record<string, unknown>): string[] | null {
  const v = maybeJson(input);
  const fromList = (list: unknown[]): string[] | null => {
    const out = list.map((x) => (typeof x === 'string' ? x : isRecord(x) && typeof x.text === 'string' ? x.text : null));
    return out.every((x): x is string => x !== null) && out.length ? out : null;
  };
  if (typeof v === 'string') return [v];
  if (isList(v)) return fromList(v);
  if (isRecord(v)) {
    for (const k of ['texts', 'input', 'inputs', 'text', 'documents', 'values', 'value']) {
      const x = v[k];
      if (typeof x === 'string') return [x];
      if (Array.isArray(x)) return fromList(x);
    }
  }
  // OpenInference keeps them as embedding.embeddings.N.embedding.text, which the mapper does not lift.
  const texts: Array<[number, string]> = [];
  for (const [k, x] of Object.entries(attributes)) {
    const m = /^embedding\.embeddings\.(\d+)\.embedding\.text$/.exec(k);
    if (m && typeof x === 'string') texts.push([Number(m[1]), x]);
  }
  return texts.length ? texts.sort((a, b) => a[0] - b[0]).map((t) => t[1]) : null;
}

function isVector(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && typeof v[0] === 'number';
}

/** "3 vectors × 1536" for the embedding shapes we know; null when the output holds no vectors. */
export function vectorSummary(output: unknown): string | null {
  const v = maybeJson(output);
  let vectors: unknown[] | null = null;
  if (isVector(v)) vectors = [v];
  else if (isList(v)) vectors = v;
  else if (isRecord(v)) {
    const list = v.embeddings ?? v.data ?? v.vectors;
    if (isList(list)) vectors = list;
    else if (isVector(v.embedding)) vectors = [v.embedding];
  }
  if (!vectors) return null;
  const dims = vectors.map((x) => (isVector(x) ? x.length : isRecord(x) && isVector(x.embedding) ? x.embedding.length : isRecord(x) && isVector(x.vector) ? x.vector.length : -1));
  if (!dims.length || dims.some((d) => d < 0)) return null;
  const same = dims.every((d) => d === dims[0]);
  return `${dims.length} vector${dims.length === 1 ? '' : 's'} × ${same ? dims[0] : `${Math.min(...dims)}–${Math.max(...dims)}`}`;
}

/** A copy of the value with every long number array replaced by a summary, so no vector is printed. */
export function withoutVectors(v: unknown, depth = 0): unknown {
  if (isVector(v) && v.length > 32) return `‹vector × ${v.length}›`;
  if (depth > 20) return v;
  if (Array.isArray(v)) return v.map((x) => withoutVectors(x, depth + 1));
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutVectors(x, depth + 1)]));
  return v;
}
