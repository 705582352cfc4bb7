// What an adapter may know besides the bytes: the request's headers and when it arrived
// (passed in, so adapters stay pure and their fixture tests deterministic).
import { createHash } from 'node:crypto';

export interface AdapterContext {
  /** When the request arrived, µs since the epoch: the default time of things that name none. */
  receivedAt: number;
  headers: Record<string, string | string[] | undefined>;
}

/** A stable id derived from content, for items the caller sent without one (so a retry is idempotent). */
export function derivedId(prefix: string, ...parts: unknown[]): string {
  return `${prefix}${createHash('sha1').update(JSON.stringify(parts)).digest('hex').slice(0, 24)}`;
}
