// Import of export files: JSONL lines, each one trace with its spans and scores, turned into
// native ingest results (the same adapter as POST /api/v1/ingest) and handed on in batches as
// the lines arrive, so a file of any size streams through. Costs are kept exactly as exported
// (the caller ingests with computeCost false): an import restores, it does not re-price.
import type { AdapterResult, Rejection } from '../model/batch.js';
import { emptyBatch, batchSize } from '../model/batch.js';
import { nativeAdapter } from '../ingest/native/index.js';
import { LoupeError } from '../errors.js';

export interface ImportSummary {
  lines: number;
  items: number;
  rejected: Rejection[];
}

/** One export line as a native ingest result; a line that is not a trace record is one rejection. */
export function lineToResult(line: string, lineNo: number, receivedAt: number): AdapterResult {
  const tag = (r: Rejection): Rejection => ({ item: `line ${lineNo}: ${r.item}`, message: r.message });
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch (e) {
    return { batch: emptyBatch(), rejected: [{ item: `line ${lineNo}`, message: `not JSON: ${(e as Error).message}` }] };
  }
  if (!rec || typeof rec !== 'object' || Array.isArray(rec) || !('trace' in rec)) {
    return { batch: emptyBatch(), rejected: [{ item: `line ${lineNo}`, message: 'expected {"trace":{…},"spans":[…],"scores":[…]}' }] };
  }
  const r = rec as { trace: unknown; spans?: unknown; scores?: unknown };
  try {
    const out = nativeAdapter({ traces: [r.trace], spans: r.spans ?? [], scores: r.scores ?? [] }, { receivedAt, headers: {} });
    return { batch: out.batch, rejected: out.rejected.map(tag) };
  } catch (e) {
    const msg = e instanceof LoupeError ? e.message : (e as Error).message;
    return { batch: emptyBatch(), rejected: [{ item: `line ${lineNo}`, message: msg }] };
  }
}

/**
 * Reads lines, merges them into results of about `batchItems` items and calls `ingest` for each,
 * in order, waiting for one before reading on (backpressure towards the source).
 */
export async function importLines(
  lines: AsyncIterable<string> | Iterable<string>,
  ingest: (result: AdapterResult) => Promise<void>,
  opts: { receivedAt: number; batchItems?: number },
): Promise<ImportSummary> {
  const max = opts.batchItems ?? 2000;
  const summary: ImportSummary = { lines: 0, items: 0, rejected: [] };
  let pending: AdapterResult = { batch: emptyBatch(), rejected: [] };
  const flush = async () => {
    const n = batchSize(pending.batch);
    if (n > 0) await ingest(pending);
    summary.items += n;
    pending = { batch: emptyBatch(), rejected: [] };
  };
  for await (const raw of lines) {
    summary.lines++;
    const line = raw.trim();
    if (!line) continue;
    const r = lineToResult(line, summary.lines, opts.receivedAt);
    // Loops, not push(...xs): one trace may hold more spans than a call may take arguments.
    for (const t of r.batch.traces) pending.batch.traces.push(t);
    for (const s of r.batch.spans) pending.batch.spans.push(s);
    for (const s of r.batch.scores) pending.batch.scores.push(s);
    for (const x of r.rejected) summary.rejected.push(x);
    if (batchSize(pending.batch) >= max) await flush();
  }
  await flush();
  return summary;
}
