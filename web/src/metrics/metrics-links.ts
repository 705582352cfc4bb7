// A click on a chart's bucket (and series) → the trace list filtered to it: the bucket's time
// range, plus the group as the list filter that matches it. Plain parameters where the list has
// an exact one (model, kind, environment, userId); `filter=` expressions where it has not (the
// `name` parameter is "contains", a missing value is `= null`, "other" is "none of the top").
import type { GroupBy, Level } from './metrics-params';
import { NONE, OTHER } from './metrics-data';

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export interface BucketPick {
  startMs: number;
  intervalMs: number;
  groupBy: GroupBy | null;
  level: Level;
  /** The picked series' group key, or null when the click was not on one series. */
  group: string | null;
  topValues: string[];
  errorsOnly?: boolean;
}

/** The filter= expression for a group, or a plain [param, value], or null when none matches it exactly. */
function groupFilter(p: BucketPick): [string, string] | null {
  const { groupBy, group } = p;
  if (!groupBy || group === null) return null;
  // Span names are not a trace list field: at span level the group has no trace filter.
  if (groupBy === 'name' && p.level === 'span') return null;
  // A trace "has model X" when some span has it; a trace without any model cannot be asked for.
  const perSpan = groupBy === 'model' || groupBy === 'kind';
  if (group === NONE) return perSpan ? null : ['filter', `${groupBy} = null`];
  if (group === OTHER) return p.topValues.length ? ['filter', `not ${groupBy} in [${p.topValues.map(quote).join(', ')}]`] : null;
  if (groupBy === 'name') return ['filter', `name = ${quote(group)}`];
  return [groupBy, group];
}

export function bucketHref(p: BucketPick): string {
  const q = new URLSearchParams({ from: new Date(p.startMs).toISOString(), to: new Date(p.startMs + p.intervalMs).toISOString() });
  const g = groupFilter(p);
  if (g) q.set(g[0], g[1]);
  if (p.errorsOnly) q.set('status', 'error');
  return `/traces?${q.toString()}`;
}
