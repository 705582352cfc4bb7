// What a model price is: USD per token for input, output and cache reads, from a date on.
// Shared by the built-in table, the project overrides stored in the database, and the matcher.
import type { Micros } from '../model/time.js';

export interface ModelPrice {
  /** Model name pattern: a family name (`gpt-4o`) matching itself and its dated snapshots, or a glob with `*`. */
  modelPattern: string;
  /** USD per input token (input tokens that were not cache reads). */
  inputPrice: number;
  /** USD per output token (reasoning included). */
  outputPrice: number;
  /** USD per cache-read input token; absent means cache reads cost the input price. */
  cacheReadPrice?: number;
  /** The price applies to spans that start at or after this time (µs). */
  effectiveFrom: Micros;
}

export type PriceSource = 'builtin' | 'project';

export interface ResolvedPrice extends ModelPrice {
  source: PriceSource;
}
