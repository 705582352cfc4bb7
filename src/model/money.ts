// Costs as a price table can express them. A cost is tokens × a per-token price, and a total a
// sum of those, both in binary floating point: 4,001 tokens at $0.15 per million came out as
// 0.0006001499999999999, and $0.10 + $0.20 as 0.30000000000000004. Thirteen significant digits
// hold any count of tokens up to a billion times a price per million with four decimals (and a
// cost someone sent with twelve), while the arithmetic's noise sits at the sixteenth or
// seventeenth: rounding there shows the decimal the arithmetic meant, and a total rounded the
// same way equals the sum of its parts.
const DIGITS = 13;

export function roundCost(usd: number): number;
export function roundCost(usd: number | null): number | null;
export function roundCost(usd: number | null): number | null {
  if (usd === null || usd === 0 || !Number.isFinite(usd)) return usd;
  return Number(usd.toPrecision(DIGITS));
}
