// The project_prices row both backends store, and its conversion into the model's ModelPrice.
import type { ModelPrice } from '../cost/types.js';

export interface PriceRow {
  model_pattern: string;
  effective_from: number;
  input_price: number;
  output_price: number;
  cache_read_price: number | null;
}

export function priceFromRow(r: PriceRow): ModelPrice {
  return {
    modelPattern: r.model_pattern,
    inputPrice: r.input_price,
    outputPrice: r.output_price,
    ...(r.cache_read_price === null ? {} : { cacheReadPrice: r.cache_read_price }),
    effectiveFrom: r.effective_from,
  };
}
