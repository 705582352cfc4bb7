// The write path's one handle on the metrics rollups (span-metric-rollup.ts,
// trace-metric-rollup.ts): told of each trace and span the transaction touches, it applies both
// rollups' changes at the end of the transaction's body, inside the transaction.
import type Database from 'better-sqlite3';
import { SpanMetricRollup, type SpanUpdate } from './span-metric-rollup.js';
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

  /** A new span row was inserted with these values. */
  spanInserted(row: readonly unknown[]): void {
    this.spans.inserted(row);
  }

  /**
   * The values (by name, null: not given) about to be merged into a stored span by UPDATE;
   * costs one point read of the span.
   */
  spanUpdating(traceNum: number, p: Readonly<Record<string, unknown>>): void {
    this.spans.updating(traceNum, p as unknown as SpanUpdate);
  }
}
