// What both span JSON readers share (chunks.ts, and blobs.ts for the older format): the walk that
// puts a parsed value back in place (marked strings resolved, objects with marked keys rebuilt),
// and the cache of bodies they read by id.
import { LruMap, stringBytes } from '../lru.js';

export interface MarkedTree {
  /** Whether a string or key begins with one of the format's markers. */
  isMarked(s: string): boolean;
  /** The value a marked string stands for. */
  string(s: string): unknown;
  /** An object that has marked keys, rebuilt in key order (its values already restored). */
  rekey(o: Record<string, unknown>): Record<string, unknown>;
}

/** Restores `v` in place (arrays and plain objects are reused), returning the restored value. */
export function restoreTree(v: unknown, f: MarkedTree): unknown {
  if (typeof v === 'string') return f.isMarked(v) ? f.string(v) : v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = restoreTree(v[i], f);
    return v;
  }
  const o = v as Record<string, unknown>;
  let marked = false;
  for (const k in o) {
    if (f.isMarked(k)) marked = true;
    o[k] = restoreTree(o[k], f);
  }
  return marked ? f.rekey(o) : o;
}

/** Bodies by id, the recent ones cached (prompts and documents are read again and again). */
export class BodyCache {
  private readonly cache: LruMap<number, string>;

  /** `fetch`: the body with this id, from wherever it is stored; undefined when it is nowhere. */
  constructor(
    private readonly fetch: (id: number) => string | undefined,
    private readonly what: string,
    capacity: number,
    maxBytes: number,
  ) {
    this.cache = new LruMap({ capacity, maxBytes, weigh: (_id, body) => stringBytes(body) + 64 });
  }

  get(id: number): string {
    let body = this.cache.get(id);
    if (body === undefined) {
      body = this.fetch(id);
      if (body === undefined) throw new Error(`${this.what} ${id} is missing`);
      if (body.length < 64 * 1024) this.cache.set(id, body);
    }
    return body;
  }
}
