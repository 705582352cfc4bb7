// The SQLite write path: one group of batches in one transaction. Trace rows are found or made
// first (a span may come before its trace), then upserts merge part by part, then the rollups
// of every touched trace are recomputed from its spans, so they hold in any arrival order; last,
// the session and user rollups take the touched traces' changes as deltas (rollups.ts).
import type Database from 'better-sqlite3';
import type { ScoreUpsert, SpanUpsert, TraceUpsert } from '../../model/batch.js';
import type { WriteItem } from '../store.js';
import { toJson, searchText } from './json.js';
import { LruMap } from '../lru.js';
import { SqliteRollups } from './rollups.js';
import { BlobWriter } from './blobs.js';
import { MetricRollups } from './metric-rollups.js';

type Stmt = Database.Statement;

export class SqliteWritePath {
  private readonly findTrace: Stmt;
  private readonly insertTrace: Stmt;
  private readonly updateTrace: Stmt;
  private readonly insertTag: Stmt;
  private readonly upsertSpan: Stmt;
  private readonly upsertScore: Stmt;
  private readonly insertSpanId: Stmt;
  private readonly rollupSpans: Stmt;
  private readonly rollupTrace: Stmt;
  private readonly refreshTags: Stmt;
  private readonly readSearchable: Stmt;
  private readonly isNameless: Stmt;
  private readonly ftsDelete: Stmt;
  private readonly ftsInsert: Stmt;
  private readonly run: (items: WriteItem[]) => Map<string, number>;
  private readonly rollups: SqliteRollups;
  /** project:traceId → traces.num for committed rows; a trace's num never changes. */
  private readonly traceNums = new LruMap<string, number>(200_000);
  /** Long strings in span input/output/attributes/events, stored once by content. */
  private readonly blobs: BlobWriter;
  /** Span and trace metrics rollups (metric-rollups.ts): told of each trace and span, applied at the end of the group. */
  private readonly metricRollups: MetricRollups;

  constructor(db: Database.Database) {
    this.findTrace = db.prepare('SELECT num FROM traces WHERE project_id = ? AND id = ?').pluck();
    this.insertTrace = db.prepare('INSERT INTO traces (project_id, id, start_time, created_at) VALUES (?, ?, ?, ?) RETURNING num').pluck();
    this.updateTrace = db.prepare(`UPDATE traces SET
      external_id = coalesce(@externalId, external_id),
      name = coalesce(@name, name),
      given_status = coalesce(@status, given_status),
      given_start = coalesce(@startTime, given_start),
      given_end = coalesce(@endTime, @durationUs + coalesce(@startTime, given_start, start_time), given_end),
      input = coalesce(@input, input),
      output = coalesce(@output, output),
      user_id = coalesce(@userId, user_id),
      session_id = coalesce(@sessionId, session_id),
      environment = coalesce(@environment, environment),
      release = coalesce(@release, release),
      metadata = CASE WHEN @metadata IS NULL THEN metadata ELSE json_patch(coalesce(metadata, '{}'), @metadata) END,
      test_id = coalesce(@testId, test_id)
      WHERE num = @num`);
    this.insertTag = db.prepare('INSERT OR IGNORE INTO trace_tags (trace_num, project_id, tag) VALUES (?, ?, ?)');
    this.refreshTags = db.prepare('UPDATE traces SET tags = (SELECT json_group_array(tag) FROM trace_tags WHERE trace_num = @num) WHERE num = @num');
    this.upsertSpan = db.prepare(`INSERT INTO spans (trace_num, id, project_id, parent_id, kind, name, status, error,
        start_time, end_time, input, output, model, provider, params, input_tokens, output_tokens, total_tokens,
        cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, metadata, attributes, events, links)
      VALUES (@traceNum, @id, @projectId, @parentId, @kind, @name, @status, @error,
        coalesce(@startTime, @receivedAt), @endTime, @input, @output, @model, @provider, @params, @inputTokens, @outputTokens, @totalTokens,
        @cacheReadTokens, @cacheWriteTokens, @reasoningTokens, @costUsd, @metadata, @attributes, @events, @links)
      ON CONFLICT (trace_num, id) DO UPDATE SET
        parent_id = coalesce(excluded.parent_id, parent_id),
        kind = coalesce(excluded.kind, kind),
        name = coalesce(excluded.name, name),
        status = CASE WHEN status = 'error' THEN status ELSE coalesce(excluded.status, status) END,
        error = coalesce(excluded.error, error),
        start_time = coalesce(@startTime, start_time),
        end_time = coalesce(excluded.end_time, end_time),
        input = coalesce(excluded.input, input),
        output = coalesce(excluded.output, output),
        model = coalesce(excluded.model, model),
        provider = coalesce(excluded.provider, provider),
        params = CASE WHEN excluded.params IS NULL THEN params ELSE json_patch(coalesce(params, '{}'), excluded.params) END,
        input_tokens = coalesce(excluded.input_tokens, input_tokens),
        output_tokens = coalesce(excluded.output_tokens, output_tokens),
        total_tokens = coalesce(excluded.total_tokens, total_tokens),
        cache_read_tokens = coalesce(excluded.cache_read_tokens, cache_read_tokens),
        cache_write_tokens = coalesce(excluded.cache_write_tokens, cache_write_tokens),
        reasoning_tokens = coalesce(excluded.reasoning_tokens, reasoning_tokens),
        cost_usd = coalesce(excluded.cost_usd, cost_usd),
        metadata = CASE WHEN excluded.metadata IS NULL THEN metadata ELSE json_patch(coalesce(metadata, '{}'), excluded.metadata) END,
        attributes = CASE WHEN excluded.attributes IS NULL THEN attributes ELSE json_patch(coalesce(attributes, '{}'), excluded.attributes) END,
        events = coalesce(excluded.events, events),
        links = coalesce(excluded.links, links)`);
    this.upsertScore = db.prepare(`INSERT INTO scores (project_id, id, trace_num, span_id, name, value_type, num_value, str_value, comment, source, created_at)
      VALUES (@projectId, @id, @traceNum, @spanId, @name, @valueType, @numValue, @strValue, @comment, @source, @createdAt)
      ON CONFLICT (project_id, id) DO UPDATE SET trace_num = excluded.trace_num, span_id = excluded.span_id, name = excluded.name,
        value_type = excluded.value_type, num_value = excluded.num_value, str_value = excluded.str_value,
        comment = coalesce(excluded.comment, comment), source = excluded.source`);
    this.insertSpanId = db.prepare('INSERT OR IGNORE INTO span_ids (project_id, span_id, trace_num) VALUES (?, ?, ?)');
    this.rollupSpans = db.prepare(`UPDATE traces SET (span_count, error_count, open_count, input_tokens, output_tokens,
        total_tokens, cost_usd, span_start, span_end) = (
      SELECT count(*), coalesce(sum(status = 'error'), 0), coalesce(sum(end_time IS NULL), 0),
        coalesce(sum(CASE WHEN kind IN ('llm', 'embedding') THEN input_tokens END), 0),
        coalesce(sum(CASE WHEN kind IN ('llm', 'embedding') THEN output_tokens END), 0),
        coalesce(sum(CASE WHEN kind IN ('llm', 'embedding') THEN coalesce(total_tokens, coalesce(input_tokens, 0) + coalesce(output_tokens, 0)) END), 0),
        sum(CASE WHEN kind IN ('llm', 'embedding') THEN cost_usd END),
        min(start_time), max(coalesce(end_time, start_time))
      FROM spans WHERE trace_num = @num) WHERE num = @num`);
    this.rollupTrace = db.prepare(`UPDATE traces SET
        -- until the root span names it, a trace takes the name of its earliest span
        name = coalesce(name, (SELECT s.name FROM spans s WHERE s.trace_num = traces.num ORDER BY s.start_time LIMIT 1)),
        start_time = coalesce(min(given_start, span_start), given_start, span_start, created_at),
        end_time = CASE WHEN given_end IS NULL AND span_end IS NULL THEN NULL
          ELSE max(coalesce(given_end, span_end), coalesce(span_end, given_end)) END,
        status = CASE
          WHEN given_status = 'error' OR error_count > 0 THEN 'error'
          WHEN given_status IS NOT NULL THEN given_status
          WHEN open_count > 0 THEN 'pending'
          WHEN span_count = 0 AND given_end IS NULL THEN 'pending'
          ELSE 'success' END
      WHERE num = ?`);
    this.readSearchable = db.prepare('SELECT name, input, output FROM traces WHERE num = ?');
    this.isNameless = db.prepare('SELECT name IS NULL FROM traces WHERE num = ?').pluck();
    this.ftsDelete = db.prepare('DELETE FROM trace_fts WHERE rowid = ?');
    this.ftsInsert = db.prepare('INSERT INTO trace_fts (rowid, name, input, output) VALUES (?, ?, ?, ?)');
    this.rollups = new SqliteRollups(db);
    this.metricRollups = new MetricRollups(db);
    this.run = db.transaction((items: WriteItem[]) => this.metricRollups.group(() => this.apply(items)));
    this.blobs = new BlobWriter(db);
  }

  /** Writes the group in one transaction; throws (and rolls back everything) on failure. */
  writeGroup(items: WriteItem[]): void {
    let made: Map<string, number>;
    try {
      made = this.run(items);
    } catch (e) {
      this.blobs.rolledBack();
      throw e;
    }
    this.blobs.committed();
    for (const [key, num] of made) this.traceNums.set(key, num);
  }

  private apply(items: WriteItem[]): Map<string, number> {
    const nums = new Map<string, number>();
    const touched = new Set<number>();
    const searchable = new Set<number>();
    const tagged = new Set<number>();
    const scored: Array<[number, string]> = [];
    /** Traces this transaction inserted: the metrics rollups need no read of their (or their spans') old rows. */
    const fresh = new Set<number>();

    const numFor = (projectId: number, traceId: string, startTime: number | undefined, receivedAt: number): number => {
      const key = `${projectId}:${traceId}`;
      let num = nums.get(key) ?? this.traceNums.get(key);
      if (num === undefined) {
        num = this.findTrace.get(projectId, traceId) as number | undefined;
        if (num === undefined) {
          num = this.insertTrace.get(projectId, traceId, startTime ?? receivedAt, receivedAt) as number;
          fresh.add(num);
        }
      }
      if (!nums.has(key)) this.metricRollups.trace(num, fresh.has(num));
      nums.set(key, num);
      return num;
    };

    for (const { projectId, batch, receivedAt } of items) {
      for (const t of batch.traces) {
        const num = numFor(projectId, t.id, t.startTime, receivedAt);
        this.updateTrace.run(traceParams(num, t));
        touched.add(num);
        if (t.name !== undefined || t.input !== undefined || t.output !== undefined) searchable.add(num);
        if (t.tags?.length) {
          for (const tag of t.tags) this.insertTag.run(num, projectId, tag);
          tagged.add(num);
        }
      }
      for (const s of batch.spans) {
        const num = numFor(projectId, s.traceId, s.startTime, receivedAt);
        const params = spanParams(num, projectId, receivedAt, s, this.blobs);
        this.metricRollups.span(num, fresh.has(num), params);
        this.upsertSpan.run(params);
        if (batch.indexSpanIds) this.insertSpanId.run(projectId, s.id, num);
        touched.add(num);
      }
      for (const sc of batch.scores) {
        const num = numFor(projectId, sc.traceId, sc.createdAt, receivedAt);
        this.upsertScore.run(scoreParams(num, projectId, sc));
        scored.push([projectId, sc.id]);
      }
    }
    for (const num of tagged) this.refreshTags.run({ num });
    for (const num of touched) {
      // A nameless trace may take its name from a span in the rollup: index that name for q.
      if (!searchable.has(num) && this.isNameless.get(num) === 1) searchable.add(num);
      this.rollupSpans.run({ num });
      this.rollupTrace.run(num);
    }
    // sessions and users follow their traces (and scores their trace's user), in the same transaction
    this.rollups.applyScores(scored, this.rollups.applyTraces(touched));
    for (const num of searchable) {
      const row = this.readSearchable.get(num) as { name: string | null; input: string | null; output: string | null };
      this.ftsDelete.run(num);
      this.ftsInsert.run(num, row.name ?? '', searchText(row.input), searchText(row.output));
    }
    return nums;
  }
}

function traceParams(num: number, t: TraceUpsert) {
  return {
    num,
    externalId: t.externalId ?? null,
    name: t.name ?? null,
    status: t.status ?? null,
    startTime: t.startTime ?? null,
    endTime: t.endTime ?? null,
    durationUs: t.durationMs === undefined ? null : Math.round(t.durationMs * 1000),
    input: toJson(t.input),
    output: toJson(t.output),
    userId: t.userId ?? null,
    sessionId: t.sessionId ?? null,
    environment: t.environment ?? null,
    release: t.release ?? null,
    metadata: t.metadata && Object.keys(t.metadata).length ? JSON.stringify(t.metadata) : null,
    testId: t.testId ?? null,
  };
}

function spanParams(traceNum: number, projectId: number, receivedAt: number, s: SpanUpsert, blobs: BlobWriter) {
  const u = s.usage;
  return {
    traceNum,
    id: s.id,
    projectId,
    receivedAt,
    parentId: s.parentId ?? null,
    kind: s.kind ?? null,
    name: s.name ?? null,
    status: s.status === 'unset' ? null : s.status ?? null,
    error: s.error ?? null,
    startTime: s.startTime ?? null,
    endTime: s.endTime ?? null,
    input: blobs.json(s.input),
    output: blobs.json(s.output),
    model: s.model ?? null,
    provider: s.provider ?? null,
    params: s.params && Object.keys(s.params).length ? JSON.stringify(s.params) : null,
    inputTokens: u?.inputTokens ?? null,
    outputTokens: u?.outputTokens ?? null,
    totalTokens: u?.totalTokens ?? null,
    cacheReadTokens: u?.cacheReadTokens ?? null,
    cacheWriteTokens: u?.cacheWriteTokens ?? null,
    reasoningTokens: u?.reasoningTokens ?? null,
    costUsd: s.costUsd ?? null,
    metadata: s.metadata && Object.keys(s.metadata).length ? JSON.stringify(s.metadata) : null,
    attributes: blobs.attributes(s.attributes),
    events: s.events?.length ? blobs.json(s.events) : null,
    links: s.links?.length ? JSON.stringify(s.links) : null,
  };
}

function scoreParams(traceNum: number, projectId: number, s: ScoreUpsert) {
  const v = s.value;
  return {
    projectId,
    id: s.id,
    traceNum,
    spanId: s.spanId ?? null,
    name: s.name,
    valueType: typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string',
    numValue: typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null,
    strValue: typeof v === 'string' ? v : null,
    comment: s.comment ?? null,
    source: s.source,
    createdAt: s.createdAt,
  };
}
