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

/**
 * The GET /api/v1/traces filters a list URL may carry (plus metadata.KEY and score.NAME…); any
 * other parameter (the dashboard's own `range` and `live`, a link's `utm_source`) stays in the
 * address bar and out of the API call, which would refuse it.
 */
const API_FILTERS = new Set(['from', 'to', 'status', 'name', 'externalId', 'userId', 'sessionId', 'environment', 'tag', 'model', 'kind', 'minDurationMs', 'maxDurationMs', 'q', 'filter', 'order']);

export const isApiFilter = (k: string) => API_FILTERS.has(k) || k.startsWith('metadata.') || k.startsWith('score.');

/** The API query for this URL state; `now` resolves a preset range to `from`. */
export function apiParams(url: URLSearchParams, now: number): URLSearchParams {
  const out = new URLSearchParams();
  url.forEach((v, k) => {
    if (isApiFilter(k) && (v !== '' || k.startsWith('score.'))) out.append(k, v);
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

/** "key=value", "name>=0.8", "name!=x" typed in a box → [URL key, value]. */
export function parsePair(prefix: 'metadata.' | 'score.', text: string): [string, string] | null {
  const m = /^\s*([^=<>!\s]+)\s*(>=|<=|!=|=|>|<)\s*(.*?)\s*$/.exec(text);
  if (!m) return null;
  const [, name, op, value] = m;
  if (op === '=') return [`${prefix}${name}`, value];
  // Metadata is compared as text: only equality means something.
  if (prefix === 'metadata.') return null;
  if (op === '>=' || op === '<=' || op === '!=') return [`${prefix}${name}${op[0]}`, value];
  return [`${prefix}${name}${op}${value}`, ''];
}
