// Keyset cursors: an opaque base64url token holding the sort key of the last row served.
import { LoupeError } from '../errors.js';

export interface Cursor {
  /** Sort time of the last row (µs). */
  t: number;
  /** Tie-breaker: the row's stable integer key. */
  k: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([safeTime(c.t), c.k])).toString('base64url');
}

/**
 * A row stored before the range checks (issue 14) may sort at a time past 2^53 µs, which no cursor
 * can hold exactly: the nearest safe integer stands for it, so a page ending on such a row still
 * leads on (other rows stored that far out are then passed over; every row written since is exact).
 */
function safeTime(t: number): number {
  if (Number.isSafeInteger(t)) return t;
  if (Number.isNaN(t)) return 0;
  return Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, Math.round(t)));
}

export function decodeCursor(token: string): Cursor {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && Number.isSafeInteger(v[1])) {
      return { t: v[0] as number, k: v[1] as number };
    }
  } catch {
    // fall through to the error below
  }
  throw new LoupeError('invalid_cursor', 'cursor is not one this endpoint produced');
}
