// Latency histograms of the span metrics rollup: log-spaced buckets of duration_ms with a bounded
// relative error, so an hour's latencies cost a few hundred bytes whatever the span count, and
// hours merge by adding counts. A bucket's position ("ord") is ordered like the values it holds,
// so nearest rank over the merged counts finds the bucket of the exact nearest-rank value; the
// answer is that bucket's representative, within ALPHA of the exact value.
//
// The ord numbering and the byte format are stored on disk: changing GAMMA, I_MIN or I_MAX means
// a new migration that rebuilds span_metrics.
import { decodeVarints, encodeVarints, unzigzag, zigzag } from './varint.js';

/** Bucket i holds |v| in (GAMMA^(i-1), GAMMA^i]. */
export const GAMMA = 1.02;
/** (GAMMA - 1) / (GAMMA + 1) ≈ 0.0099: the representative's worst relative error, under 1%. */
export const ALPHA = (GAMMA - 1) / (GAMMA + 1);
const LN_GAMMA = Math.log(GAMMA);
// Durations are whole µs (0.001 ms is GAMMA^-349), and GAMMA^2000 ms is beyond any span: the
// clamps only ever apply to values no integer-µs span can have.
const I_MIN = -400;
const I_MAX = 2000;
/** ords run from -SPAN (most negative values) through 0 (exactly 0) to +SPAN. */
const SPAN = I_MAX - I_MIN + 1;
/** Slots of a dense histogram (DenseHistogram): one per ord. */
const SLOTS = 2 * SPAN + 1;

/** The bucket of a duration (ms): 0 for 0, ±(1 + i - I_MIN) for positive and negative values. */
export function ordOf(ms: number): number {
  if (ms === 0) return 0;
  const i = Math.min(I_MAX, Math.max(I_MIN, Math.ceil(Math.log(Math.abs(ms)) / LN_GAMMA)));
  const o = i - I_MIN + 1;
  return ms > 0 ? o : -o;
}

/** What a bucket reports: 2·GAMMA^i / (GAMMA + 1), whose relative distance to any value of the bucket is at most ALPHA. */
export function valueOfOrd(ord: number): number {
  if (ord === 0) return 0;
  const i = Math.abs(ord) + I_MIN - 1;
  const v = (2 * GAMMA ** i) / (GAMMA + 1);
  return ord > 0 ? v : -v;
}

// ---- storage: (ord delta, count) pairs as zigzag varints, ords ascending ----------------------

/** Encodes a sparse histogram (ord → count; zero counts are left out). */
export function encodeHistogram(h: ReadonlyMap<number, number>): Buffer {
  const ords = [...h.keys()].filter((o) => h.get(o) !== 0).sort((a, b) => a - b);
  const out: number[] = [];
  let prev = 0;
  for (const o of ords) {
    out.push(zigzag(o - prev), zigzag(h.get(o) as number));
    prev = o;
  }
  return encodeVarints(out);
}

/** Calls `each(ord, count)` for every bucket of an encoded histogram, in ascending ord. */
export function forEachBucket(b: Uint8Array, each: (ord: number, count: number) => void): void {
  const v = decodeVarints(b);
  let ord = 0;
  for (let i = 0; i < v.length; i += 2) {
    ord += unzigzag(v[i]);
    each(ord, unzigzag(v[i + 1]));
  }
}

/** Adds an encoded histogram into a sparse one, times `sign`. */
export function addEncoded(into: Map<number, number>, b: Uint8Array, sign = 1): void {
  forEachBucket(b, (ord, count) => into.set(ord, (into.get(ord) ?? 0) + sign * count));
}

// ---- reads: merging many histograms and ranking them ------------------------------------------

/**
 * One point's merged histogram while a query runs: a dense array over every ord (≈38 KB) with
 * the touched range remembered, so merging is an indexed add and ranking walks only that range.
 */
export class DenseHistogram {
  private readonly counts = new Float64Array(SLOTS);
  private lo = SLOTS;
  private hi = -1;

  add(ord: number, count: number): void {
    const slot = ord + SPAN;
    this.counts[slot] += count;
    if (slot < this.lo) this.lo = slot;
    if (slot > this.hi) this.hi = slot;
  }

  /** forEachBucket and add, written out: this loop is most of a long query's time in JS. */
  addEncoded(b: Uint8Array): void {
    const counts = this.counts;
    let pos = 0;
    let slot = SPAN;
    let first = true;
    let lo = this.lo;
    let hi = this.hi;
    while (pos < b.length) {
      let z = 0;
      let mul = 1;
      for (;;) {
        const byte = b[pos++];
        z += (byte & 127) * mul;
        if (byte < 128) break;
        mul *= 128;
      }
      const d = unzigzag(z);
      slot = first ? SPAN + d : slot + d;
      first = false;
      z = 0;
      mul = 1;
      for (;;) {
        const byte = b[pos++];
        z += (byte & 127) * mul;
        if (byte < 128) break;
        mul *= 128;
      }
      counts[slot] += unzigzag(z);
      if (slot < lo) lo = slot;
      if (slot > hi) hi = slot;
    }
    this.lo = lo;
    this.hi = hi;
  }

  /**
   * Nearest rank over the n = `total` durations: for each p, the representative of the bucket
   * holding rank ceil(p·n/100), in the integer form the exact SQL uses; null when n is 0.
   */
  percentiles(ps: readonly number[], total: number): Array<number | null> {
    if (total <= 0) return ps.map(() => null);
    const ranks = ps.map((p) => Math.floor((p * total + 99) / 100));
    const out: Array<number | null> = ps.map(() => null);
    let cum = 0;
    let k = 0;
    // ps ascend, so one walk serves them all
    for (let slot = this.lo; slot <= this.hi && k < ranks.length; slot++) {
      cum += this.counts[slot];
      while (k < ranks.length && cum >= ranks[k]) out[k++] = valueOfOrd(slot - SPAN);
    }
    return out;
  }
}
