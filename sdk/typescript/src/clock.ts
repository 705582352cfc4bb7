// A high-resolution clock in epoch milliseconds: performance.now() (sub-ms, monotonic) anchored to
// Date.now() once, so durations are exact and start times are wall-clock times.

const perf = (globalThis as { performance?: { now(): number } }).performance;
let anchor = perf ? Date.now() - perf.now() : 0;

export const now: () => number = perf ? () => anchor + perf.now() : () => Date.now();

/**
 * The monotonic clock drifts from the wall clock over hours (NTP slews, suspended laptops); the
 * sender calls this off the hot path so start times stay right. A duration measured across a
 * re-anchor may shift by that drift, which is milliseconds at most.
 */
export function reanchor(): void {
  if (!perf) return;
  const fresh = Date.now() - perf.now();
  if (Math.abs(fresh - anchor) > 1) anchor = fresh;
}

/** Epoch ms with µs precision, the finest the server stores. */
export function wireTime(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
