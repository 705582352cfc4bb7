// The export format (GET /api/v1/export, `loupe export`): one JSON object a line, one trace per
// line, in the native ingest input shapes, so `loupe import` is plain native ingest. It holds what
// was said about the data, not what a store derived from it: the trace's own fields (status, start
// and end only when given explicitly), every span and score with its id, and times as ISO text
// with microseconds. Rollups (counts, tokens, cost, derived status and times) are left out and
// recomputed by the importing store; numericId and projectId are store-local and left out too.
import type { ScoreInput, SpanInput, TraceInput } from './schemas.js';

export interface ExportRecord {
  trace: TraceInput;
  spans: SpanInput[];
  scores: ScoreInput[];
}
