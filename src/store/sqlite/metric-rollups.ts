// The write path's one handle on the metrics rollups (span-metric-rollup.ts,
// trace-metric-rollup.ts): told of each trace and span the transaction touches, it applies both
// rollups' changes at the end of the transaction's body, inside the transaction.
import type Database from 'better-sqlite3';
import { SpanMetricRollup, type SpanWrite } from './span-metric-rollup.js';
import { TraceMetricRollup } from './trace-metric-rollup.js';

export class MetricRollups {
  private readonly spans: SpanMetricRollup;
  private readonly traces: TraceMetricRollup;

  constructor(db: Database.Database) {
    this.spans = new SpanMetricRollup(db);
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

  /** A span upsert is about to run; `traceIsNew`: this transaction inserted its trace row. */
  span(traceNum: number, traceIsNew: boolean, p: SpanWrite): void {
    this.spans.span(traceNum, traceIsNew, p);
  }
}
