// PostgreSQL's project price table (migration 3): the same rows and answers as SQLite's
// (sqlite/analytics.ts): patterns lower-cased, keyed by (pattern, effectiveFrom), listed in
// code-point order of the pattern, then by date.
import type pg from 'pg';
import type { ModelPrice } from '../../cost/types.js';
import { pgJson, storable } from './dialect.js';
import { priceFromRow, type PriceRow } from '../price-row.js';

export async function listPrices(db: pg.Pool, projectId: number): Promise<ModelPrice[]> {
  const { rows } = await db.query<PriceRow>(`SELECT model_pattern, effective_from, input_price, output_price, cache_read_price
    FROM project_prices WHERE project_id = $1 ORDER BY model_pattern COLLATE "C", effective_from`, [projectId]);
  return rows.map(priceFromRow);
}

/** All entries in one statement (one transaction); a key given twice keeps its last entry, as SQLite's loop does. */
export async function putPrices(db: pg.Pool, projectId: number, prices: ModelPrice[]): Promise<void> {
  if (!prices.length) return;
  const last = new Map<string, ModelPrice>();
  for (const p of prices) {
    const pattern = storable(p.modelPattern.toLowerCase());
    last.set(`${pattern}\u0000${p.effectiveFrom}`, { ...p, modelPattern: pattern });
  }
  const rows = [...last.values()].map((p) => ({
    model_pattern: p.modelPattern, effective_from: p.effectiveFrom, input_price: p.inputPrice, output_price: p.outputPrice,
    cache_read_price: p.cacheReadPrice ?? null,
  }));
  await db.query(`INSERT INTO project_prices (project_id, model_pattern, effective_from, input_price, output_price, cache_read_price, updated_at)
    SELECT $1, r.model_pattern, r.effective_from, r.input_price, r.output_price, r.cache_read_price, $2
    FROM json_to_recordset($3::json) AS r(model_pattern text, effective_from bigint, input_price double precision,
      output_price double precision, cache_read_price double precision)
    ON CONFLICT (project_id, model_pattern, effective_from) DO UPDATE SET input_price = excluded.input_price,
      output_price = excluded.output_price, cache_read_price = excluded.cache_read_price, updated_at = excluded.updated_at`,
  [projectId, Date.now() * 1000, pgJson(rows)]);
}

export async function deletePrices(db: pg.Pool, projectId: number, modelPattern: string, effectiveFrom?: number): Promise<number> {
  const pattern = storable(modelPattern.toLowerCase());
  const r = effectiveFrom === undefined
    ? await db.query('DELETE FROM project_prices WHERE project_id = $1 AND model_pattern = $2', [projectId, pattern])
    : await db.query('DELETE FROM project_prices WHERE project_id = $1 AND model_pattern = $2 AND effective_from = $3', [projectId, pattern, effectiveFrom]);
  return r.rowCount ?? 0;
}
