// Relative times in list and metrics queries: `from=-1h`, `from=now-7d`, `to=now`. Units: s, m,
// h, d, w. Resolved against the clock once, when the query is parsed.
import type { Micros } from '../model/time.js';

const UNIT_MICROS: Record<string, number> = { s: 1e6, m: 60e6, h: 3_600e6, d: 86_400e6, w: 604_800e6 };
const RELATIVE = /^(?:now)?\s*(?:([-+])\s*(\d+(?:\.\d+)?)\s*([smhdw]))?$/i;

/** The time `text` names relative to `now`, or undefined when it is not a relative time. */
export function relativeMicros(text: string, now: Micros): Micros | undefined {
  const t = text.trim();
  if (t === '' || (!/^now/i.test(t) && !/^[-+]/.test(t))) return undefined;
  const m = RELATIVE.exec(t);
  if (!m) return undefined;
  if (m[1] === undefined) return /^now$/i.test(t) ? now : undefined;
  const delta = Math.round(Number(m[2]) * UNIT_MICROS[m[3].toLowerCase()]);
  return m[1] === '-' ? now - delta : now + delta;
}
