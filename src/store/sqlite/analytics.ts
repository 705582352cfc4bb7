// SQLite's part of the analytics: the metrics dialect, running the compiled metrics statement,
// and the project price table (migration 6).
import type Database from 'better-sqlite3';
import type { ModelPrice } from '../../cost/types.js';
import type { MetricsQuery, MetricsRow } from '../../query/metrics.js';
import { compileMetrics, metricsFromRows, type AnalyticsDialect, type MetricsSqlRow } from '../../query/metrics-sql.js';
import type { Dialect } from '../../query/sql.js';
import { priceFromRow, type PriceRow } from '../price-row.js';

export function sqliteAnalyticsDialect(base: Dialect): AnalyticsDialect {
  return {
    ...base,
    // Parameters bind as REAL in better-sqlite3: cast so `/` is integer division.
    timeBucket: (col) => `(${col} / CAST(? AS INTEGER)) * CAST(? AS INTEGER)`,
    toDouble: (expr) => `CAST(${expr} AS REAL)`,
    textOrder: (expr) => expr,
  };
}

export function runMetrics(db: Database.Database, d: AnalyticsDialect, projectId: number, q: MetricsQuery): MetricsRow[] {
  const { sql, params } = compileMetrics(d, projectId, q);
  const rows = db.prepare(sql).all(...params) as MetricsSqlRow[];
  return metricsFromRows(rows);
}

export function listPrices(db: Database.Database, projectId: number): ModelPrice[] {
  const rows = db.prepare(`SELECT model_pattern, effective_from, input_price, output_price, cache_read_price
    FROM project_prices WHERE project_id = ? ORDER BY model_pattern, effective_from`).all(projectId) as PriceRow[];
  return rows.map(priceFromRow);
}

export function putPrices(db: Database.Database, projectId: number, prices: ModelPrice[]): void {
  const stmt = db.prepare(`INSERT INTO project_prices (project_id, model_pattern, effective_from, input_price, output_price, cache_read_price, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (project_id, model_pattern, effective_from) DO UPDATE SET input_price = excluded.input_price,
      output_price = excluded.output_price, cache_read_price = excluded.cache_read_price, updated_at = excluded.updated_at`);
  const now = Date.now() * 1000;
  db.transaction(() => {
    for (const p of prices) stmt.run(projectId, p.modelPattern.toLowerCase(), p.effectiveFrom, p.inputPrice, p.outputPrice, p.cacheReadPrice ?? null, now);
  })();
}

export function deletePrices(db: Database.Database, projectId: number, modelPattern: string, effectiveFrom?: number): number {
  const r = effectiveFrom === undefined
    ? db.prepare('DELETE FROM project_prices WHERE project_id = ? AND model_pattern = ?').run(projectId, modelPattern.toLowerCase())
    : db.prepare('DELETE FROM project_prices WHERE project_id = ? AND model_pattern = ? AND effective_from = ?').run(projectId, modelPattern.toLowerCase(), effectiveFrom);
  return r.changes;
}
