// Time in Loupe: integer microseconds since the Unix epoch, everywhere inside; ISO 8601 at the edges.
// Microseconds keep nanosecond-era values inside Number's safe range (2^53 µs ≈ year 2255).

export type Micros = number;

export function microsFromMillis(ms: number): Micros {
  return Math.round(ms * 1000);
}

/** Parses OTLP nanoseconds given as a decimal string, a number or a bigint; 0 or absent means unset. */
export function microsFromNanos(ns: string | number | bigint | undefined | null): Micros | undefined {
  if (ns === undefined || ns === null || ns === '' || ns === 0 || ns === '0') return undefined;
  if (typeof ns === 'bigint') return ns === 0n ? undefined : Number(ns / 1000n);
  if (typeof ns === 'number') return Math.floor(ns / 1000);
  if (!/^\d+$/.test(ns)) throw new RangeError(`not an integer nanosecond time: ${ns}`);
  // Dropping the last three digits is exact integer division for non-negative values.
  return ns.length <= 3 ? 0 : Number(ns.slice(0, -3));
}

const ISO_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO 8601 string (any sub-second precision, optional offset) to microseconds. */
export function microsFromIso(iso: string): Micros | undefined {
  const m = ISO_RE.exec(iso.trim());
  if (!m) {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? undefined : microsFromMillis(ms);
  }
  const base = Date.parse(m[1] + (m[3] ?? 'Z'));
  if (Number.isNaN(base)) return undefined;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return base * 1000 + Number(frac);
}

/** A time given as ISO text or as epoch milliseconds (the JSON APIs accept both). */
export function microsFromInput(v: string | number | undefined | null): Micros | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return microsFromMillis(v);
  return microsFromIso(v);
}

/** Whether a time can be stored and shown: a whole number of µs from 1970 up to 2^53 (year 2255). */
export function isStorableMicros(us: number): boolean {
  return Number.isSafeInteger(us) && us >= 0;
}

/** Date's range, ±8.64e15 ms (±275,760 years), in µs: past it no ISO text shows a time. */
const SHOWABLE_MICROS = 8.64e18;

/**
 * Microseconds to ISO 8601 with microsecond precision (`2026-01-02T03:04:05.123456Z`). Total: it
 * never throws. A number no ISO text can show (not finite, or past Date's range: a row stored
 * before the range checks) gives null, as does null or undefined. The first overload is for times
 * Loupe made or parsed itself (the clock, a query bound, a bucket of one), which always show;
 * stored times go through `storedIso`, whose type says they may not.
 */
export function isoFromMicros(us: Micros): string;
export function isoFromMicros(us: Micros | null | undefined): string | null;
export function isoFromMicros(us: Micros | null | undefined): string | null {
  if (us === null || us === undefined || !(Math.abs(us) <= SHOWABLE_MICROS)) return null;
  // Stored REALs (SQLite) may carry a fraction; a µs is the finest unit shown.
  if (!Number.isInteger(us)) us = Math.round(us);
  const second = Math.floor(us / 1_000_000);
  if (second !== lastSecond) {
    // "…:ss.sssZ" without its ".sssZ"; also right for years beyond 9999 ("+010000-…")
    lastPrefix = new Date(second * 1000).toISOString().slice(0, -5);
    lastSecond = second;
  }
  return `${lastPrefix}.${String(us - second * 1_000_000).padStart(6, '0')}Z`;
}

/** A stored time as ISO text: null when absent, or when no ISO text can show it (see isoFromMicros). */
export function storedIso(us: number | null | undefined): string | null {
  return isoFromMicros(us);
}

// The spans of one trace mostly share their second, and formatting a Date is most of the cost
// (a 5,000-span trace formats 10,000 times).
let lastSecond = NaN;
let lastPrefix = '';
