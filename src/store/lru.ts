// A small bounded map that forgets its least recently used entries (Map keeps insertion order).
// Bounded by count, and by bytes when given a weigher: a cache of strings is only as safe as its
// largest values (50,000 cached 8 MB trace inputs would be 400 GB).

export interface LruOptions<K, V> {
  /** The most entries held. */
  capacity: number;
  /** The most bytes held, as `weigh` counts them; an entry heavier than a tenth of it is not held. */
  maxBytes?: number;
  weigh?: (key: K, value: V) => number;
}

/** UTF-16 code units take two bytes each in V8's heap (one when Latin-1, two at worst). */
export const stringBytes = (s: string): number => s.length * 2;

export class LruMap<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private readonly capacity: number;
  private readonly maxBytes: number;
  private readonly weigh: ((key: K, value: V) => number) | undefined;
  private held = 0;

  constructor(opts: number | LruOptions<K, V>) {
    const o = typeof opts === 'number' ? { capacity: opts } : opts;
    this.capacity = o.capacity;
    this.maxBytes = o.maxBytes ?? Infinity;
    this.weigh = o.weigh;
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    const bytes = this.weigh ? this.weigh(key, value) : 0;
    // One huge value would push out everything else for a single use: not worth holding.
    if (bytes > this.maxBytes / 10) return;
    this.map.set(key, { value, bytes });
    this.held += bytes;
    while (this.map.size > this.capacity || this.held > this.maxBytes) this.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    const e = this.map.get(key);
    if (e === undefined) return;
    this.map.delete(key);
    this.held -= e.bytes;
  }

  clear(): void {
    this.map.clear();
    this.held = 0;
  }

  get size(): number {
    return this.map.size;
  }

  /** Bytes held, as the weigher counts them. */
  get bytes(): number {
    return this.held;
  }
}
