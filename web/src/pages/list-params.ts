// The trace list's state lives in the address bar. This maps it to GET /api/v1/traces parameters:
// most pass through as they are; the time range is a preset (resolved to `from` when fetched) or
// custom from/to.
export const RANGES = [
  { id: '15m', label: '15 min', ms: 15 * 60_000 },
  { id: '1h', label: '1 h', ms: 3_600_000 },
  { id: '24h', label: '24 h', ms: 86_400_000 },
  { id: '7d', label: '7 d', ms: 7 * 86_400_000 },
  { id: '30d', label: '30 d', ms: 30 * 86_400_000 },
  { id: 'all', label: 'All', ms: 0 },
] as const;

/** Parameters the dashboard keeps in its URL that are not API parameters. */
const UI_ONLY = new Set(['range', 'live']);

/** The API query for this URL state; `now` resolves a preset range to `from`. */
export function apiParams(url: URLSearchParams, now: number): URLSearchParams {
  const out = new URLSearchParams();
  url.forEach((v, k) => {
    if (!UI_ONLY.has(k) && (v !== '' || k.startsWith('score.'))) out.append(k, v);
  });
  const range = RANGES.find((r) => r.id === url.get('range'));
  if (range && range.ms > 0 && !url.get('from')) out.set('from', new Date(now - range.ms).toISOString());
  return out;
}

/** The URL with one parameter set (or removed when empty); the cursor never lives in the URL. */
export function setParam(url: URLSearchParams, key: string, value: string | string[] | null): URLSearchParams {
  const next = new URLSearchParams(url);
  next.delete(key);
  const values = value === null ? [] : Array.isArray(value) ? value : [value];
  for (const v of values) if (v.trim() !== '' || key.startsWith('score.')) next.append(key, v.trim());
  return next;
}

/** metadata.KEY and score.NAME… parameters, as the "key=value" text a person typed. */
export function prefixed(url: URLSearchParams, prefix: 'metadata.' | 'score.'): string[] {
  const out: string[] = [];
  url.forEach((v, k) => {
    if (!k.startsWith(prefix)) return;
    const name = k.slice(prefix.length);
    // score.NAME>=N arrives as key "score.NAME>" with value N; score.NAME>N as key "score.NAME>N".
    out.push(v === '' ? name : `${name}=${v}`);
  });
  return out;
}

/** "key=value", "name>=0.8", "name!=x" typed in a box → [URL key, value]. */
export function parsePair(prefix: 'metadata.' | 'score.', text: string): [string, string] | null {
  const m = /^\s*([^=<>!\s]+)\s*(>=|<=|!=|=|>|<)\s*(.*?)\s*$/.exec(text);
  if (!m) return null;
  const [, name, op, value] = m;
  if (op === '=') return [`${prefix}${name}`, value];
  if (op === '>=' || op === '<=' || op === '!=') return [`${prefix}${name}${op[0]}`, value];
  return [`${prefix}${name}${op}${value}`, ''];
}
