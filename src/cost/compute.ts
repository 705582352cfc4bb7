// The cost of one call from its usage and a price. Input tokens include cache reads (as in the
// GenAI conventions), so only the rest is charged at the input price.
import type { Usage } from '../model/schemas.js';
import { roundCost } from '../model/money.js';
import type { ModelPrice } from './types.js';

/** USD, or undefined when the usage names no tokens at all. */
export function costOf(usage: Usage | undefined, price: ModelPrice): number | undefined {
  if (!usage || (usage.inputTokens === undefined && usage.outputTokens === undefined)) return undefined;
  const input = usage.inputTokens ?? 0;
  const cacheRead = Math.min(usage.cacheReadTokens ?? 0, input);
  const output = usage.outputTokens ?? 0;
  return roundCost((input - cacheRead) * price.inputPrice + cacheRead * (price.cacheReadPrice ?? price.inputPrice) + output * price.outputPrice);
}
