// What the span and trace metrics rollups (span-metric-rollup.ts, trace-metric-rollup.ts) share:
// rows per project, width (an hour or a day), epoch-aligned start and some key columns, holding
// counts, llm/embedding-style usage sums and a latency histogram; and the in-memory deltas a
// write transaction collects, applied with one read-modify-write per touched row.
import type Database from 'better-sqlite3';
import { addEncoded, encodeHistogram } from './latency-histogram.js';

export const HOUR_MICROS = 3_600_000_000;
export const DAY_MICROS = 86_400_000_000;
/**
 * The widths rows are kept at. Day rows exist because better-sqlite3 spends ~1-2 µs per returned
 * row on this machine whatever the row holds: a 30-day query reads ~30 rows per group, not ~720.
 */
export const ROLLUP_WIDTHS = [HOUR_MICROS, DAY_MICROS] as const;

/** Start of the epoch-aligned interval of `width` holding `micros` (floor, also before 1970). */
export function floorTo(micros: number, width: number): number {
  return micros - (((micros % width) + width) % width);
}

/** A rollup table: its name, the key columns after (project_id, width, start), and its count column. */
export interface RollupTable {
  name: string;
  /** Key columns; only the last may hold free text (the in-memory row key joins them with '|'). */
  keys: readonly string[];
  count: string;
}

/** One item's (a span's, a trace's) share of one row. */
export interface Contribution {
  projectId: number;
  hour: number;
  /** Values of the table's key columns, in its order. */
  key: readonly (string | number)[];
  /** project and key as one string (rowId), built once: the deltas look rows up by it per width. */
  id: string;
  /** Latency bucket, or null without a duration. */
  ord: number | null;
  inputTokens: number;
  outputTokens: number;
  /** Span rows only (trace rows have no cache counts: 0). */
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** null: no cost counted. */
  costUsd: number | null;
}

/** Contribution.id: only the last key column may hold free text, so '|' separates unambiguously. */
export function rowId(projectId: number, key: readonly (string | number)[]): string {
  return `${projectId}|${key.join('|')}`;
}

export function sameContribution(a: Contribution, b: Contribution): boolean {
  return a.id === b.id && a.hour === b.hour && a.ord === b.ord && a.inputTokens === b.inputTokens && a.outputTokens === b.outputTokens
    && a.cacheReadTokens === b.cacheReadTokens && a.cacheWriteTokens === b.cacheWriteTokens && a.costUsd === b.costUsd;
}

interface RowDelta {
  projectId: number;
  width: number;
  start: number;
  key: readonly (string | number)[];
  count: number;
  durCount: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  costCount: number;
  latency: Map<number, number>;
}

type StoredRow = [count: number, durCount: number, inputTokens: number, outputTokens: number, costUsd: number, costCount: number, latency: Buffer,
  cacheReadTokens: number, cacheWriteTokens: number];

/** Pending changes to one table's rows; apply() writes them inside the caller's transaction. */
export class RollupDeltas {
  /** Per width: start → Contribution.id → pending change (numbers and a prebuilt id: no key string per span). */
  private readonly rows = ROLLUP_WIDTHS.map(() => new Map<number, Map<string, RowDelta>>());

  constructor(private readonly table: RollupTable) {}

  add(c: Contribution, sign: 1 | -1): void {
    for (let w = 0; w < ROLLUP_WIDTHS.length; w++) this.addTo(w, c, sign);
  }

  private addTo(w: number, c: Contribution, sign: 1 | -1): void {
    const width = ROLLUP_WIDTHS[w];
    const start = floorTo(c.hour, width);
    let atStart = this.rows[w].get(start);
    if (!atStart) {
      atStart = new Map();
      this.rows[w].set(start, atStart);
    }
    let d = atStart.get(c.id);
    if (!d) {
      d = { projectId: c.projectId, width, start, key: c.key, count: 0, durCount: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, costCount: 0, latency: new Map() };
      atStart.set(c.id, d);
    }
    d.count += sign;
    d.inputTokens += sign * c.inputTokens;
    d.outputTokens += sign * c.outputTokens;
    d.cacheReadTokens += sign * c.cacheReadTokens;
    d.cacheWriteTokens += sign * c.cacheWriteTokens;
    if (c.costUsd !== null) {
      d.costUsd += sign * c.costUsd;
      d.costCount += sign;
    }
    if (c.ord !== null) {
      d.durCount += sign;
      d.latency.set(c.ord, (d.latency.get(c.ord) ?? 0) + sign);
    }
  }

  clear(): void {
    for (const m of this.rows) m.clear();
  }

  private *pending(): Generator<RowDelta> {
    for (const m of this.rows) for (const atStart of m.values()) yield* atStart.values();
  }

  /** Writes every pending row and forgets them. */
  apply(db: Database.Database): void {
    const s = statements(db, this.table);
    for (const d of this.pending()) {
      const pk = [d.projectId, d.width, d.start, ...d.key];
      const old = s.read.get(...pk) as StoredRow | undefined;
      const count = (old?.[0] ?? 0) + d.count;
      if (count === 0) {
        if (old) s.drop.run(...pk);
        continue;
      }
      const latency = new Map(d.latency);
      if (old) addEncoded(latency, old[6]);
      const costCount = (old?.[5] ?? 0) + d.costCount;
      s.put.run(...pk, count, (old?.[1] ?? 0) + d.durCount, (old?.[2] ?? 0) + d.inputTokens, (old?.[3] ?? 0) + d.outputTokens,
        // with no cost left, a sum of +x and -x is exactly 0, not a rounding residue
        costCount === 0 ? 0 : (old?.[4] ?? 0) + d.costUsd, costCount, encodeHistogram(latency),
        (old?.[7] ?? 0) + d.cacheReadTokens, (old?.[8] ?? 0) + d.cacheWriteTokens);
    }
    this.clear();
  }
}

interface Statements {
  read: Database.Statement;
  put: Database.Statement;
  drop: Database.Statement;
}

const prepared = new WeakMap<Database.Database, Map<string, Statements>>();

function statements(db: Database.Database, t: RollupTable): Statements {
  let byTable = prepared.get(db);
  if (!byTable) {
    byTable = new Map();
    prepared.set(db, byTable);
  }
  let s = byTable.get(t.name);
  if (!s) {
    const keys = ['project_id', 'width', 'start', ...t.keys];
    const pk = keys.map((k) => `${k} = ?`).join(' AND ');
    const values = ['count', 'dur_count', 'input_tokens', 'output_tokens', 'cost_usd', 'cost_count', 'latency', 'cache_read_tokens', 'cache_write_tokens'];
    const columns = [...keys, t.count, ...values.slice(1)];
    s = {
      read: db.prepare(`SELECT ${t.count}, ${values.slice(1).join(', ')} FROM ${t.name} WHERE ${pk}`).raw(),
      put: db.prepare(`INSERT OR REPLACE INTO ${t.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`),
      drop: db.prepare(`DELETE FROM ${t.name} WHERE ${pk}`),
    };
    byTable.set(t.name, s);
  }
  return s;
}
