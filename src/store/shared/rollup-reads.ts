// The session and user rollup rows as both backends read them (sqlite/rollup-reads.ts,
// postgres/rollup-reads.ts), their conversion into the model, and the keyset page both build.
import { roundCost } from '../../model/money.js';
import { storedIso } from '../../model/time.js';
import type { Session, User, UserScoreSummary } from '../../model/rollups.js';
import type { Page } from '../../query/filter.js';
import { encodeCursor } from '../../query/cursor.js';

export interface Totals {
  num: number;
  id: string;
  trace_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
  cost_count: number;
  error_count: number;
}
export interface SessionRow extends Totals {
  first_time: number | null;
  last_time: number | null;
}
export interface UserRow extends Totals {
  session_count: number;
  first_seen: number | null;
  last_seen: number | null;
  score_count: number;
}

/** Deltas add and subtract floats; round away the last-bit noise they leave behind. */
const money = (sum: number, count: number): number | null => (count > 0 ? roundCost(sum) : null);

export function page<R, T>(rows: R[], limit: number, map: (r: R) => T, key: (r: R) => { t: number; k: number }): Page<T> {
  const more = rows.length > limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { data: rows.map(map), nextCursor: more && last ? encodeCursor(key(last)) : null };
}

export interface UserScoreRow {
  user_id: string;
  name: string;
  label: string;
  count: number;
  num_sum: number | null;
}

/** user_scores rows (ordered by user, name, label) → per-user summaries. */
export function summariseUserScores(rows: UserScoreRow[], out = new Map<string, UserScoreSummary[]>()): Map<string, UserScoreSummary[]> {
  for (const r of rows) {
    const list = out.get(r.user_id) ?? out.set(r.user_id, []).get(r.user_id)!;
    let s = list[list.length - 1];
    if (!s || s.name !== r.name) list.push((s = { name: r.name, count: 0, mean: null, values: {} }));
    s.count += r.count;
    if (r.label === '') s.mean = Math.round(((r.num_sum ?? 0) / r.count) * 1e12) / 1e12;
    else s.values[r.label] = r.count;
  }
  return out;
}

export function sessionOut(r: SessionRow, userIds: string[]): Session {
  return {
    id: r.id,
    traceCount: r.trace_count,
    firstTime: storedIso(r.first_time),
    lastTime: storedIso(r.last_time),
    userIds,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    totalTokens: r.total_tokens,
    costUsd: money(r.cost_usd, r.cost_count),
    errorCount: r.error_count,
  };
}

export function userOut(r: UserRow, scores: UserScoreSummary[]): User {
  return {
    id: r.id,
    traceCount: r.trace_count,
    sessionCount: r.session_count,
    firstSeen: storedIso(r.first_seen),
    lastSeen: storedIso(r.last_seen),
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    totalTokens: r.total_tokens,
    costUsd: money(r.cost_usd, r.cost_count),
    errorCount: r.error_count,
    scoreCount: r.score_count,
    scores,
  };
}
