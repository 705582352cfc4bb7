// Keyset cursors: an opaque base64url token holding the sort key of the last row served.
import { LoupeError } from '../errors.js';

export interface Cursor {
  /** Sort time of the last row (µs). */
  t: number;
  /** Tie-breaker: the row's stable integer key. */
  k: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.t, c.k])).toString('base64url');
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
