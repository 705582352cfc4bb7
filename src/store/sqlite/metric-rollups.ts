// The hot write path's one handle on the metrics rollups (span-metric-rollup.ts,
// trace-metric-rollup.ts): told of each trace the transaction touches and each compacted span it
// merges into (which leaves the span rollup until the compactor counts it again), it applies both rollups' changes at the end of the transaction's body, inside the
// transaction. New spans reach the span rollup through the compactor (compactor.ts).
import type Database from 'better-sqlite3';
import { SpanMetricRollup } from './span-metric-rollup.js';
import { TraceMetricRollup } from './trace-metric-rollup.js';

export class MetricRollups {
  private readonly spans: SpanMetricRollup;
  private readonly traces: TraceMetricRollup;

  /** `spanInsertColumns`: the spans columns of the rows spanInserted is given, in their order. */
  constructor(db: Database.Database, spanInsertColumns: readonly string[]) {
    this.spans = new SpanMetricRollup(db, spanInsertColumns);
    this.traces = new TraceMetricRollup(db);
  }

  /** Runs one write transaction's body, then applies the rollups' changes. */
  group<T>(body: () => T): T {
    // a group that threw (and rolled back) must not leave its changes to the next one
    this.spans.begin();
    this.traces.begin();
    const out = body();
    this.spans.commit();
    this.traces.commit();
    return out;
  }

  /** The transaction resolved trace `num` for the first time (`isNew`: it inserted the row), before changing it. */
  trace(num: number, isNew: boolean): void {
    this.traces.trace(num, isNew);
  }

  /** A compacted span (trace num, span id) about to leave the span rollup, before it changes; one point read. */
  spanUncounted(traceNum: number, spanId: string): void {
    this.spans.removing(traceNum, spanId);
  }
}
