// The Store: Loupe's reader and writer, with written contracts every backend MUST keep
// (the conformance suite in test/conformance holds them):
// - writeGroup() writes all items in ONE transaction and returns only once it is durable;
//   either every item is stored or none is.
// - Writes are idempotent upserts keyed by (project, trace id), (project, trace id, span id) and
//   (project, score id): re-sending a batch changes nothing; a field a later part leaves out
//   keeps its stored value; a span may arrive before its trace, and in several parts.
// - Trace rollups (span/error counts, tokens, cost, times, status) are right after every write,
//   whatever the arrival order; only llm and embedding spans count towards tokens and cost.
// - Session and user rollups are right after every write too, and reading one costs the same
//   whatever the number of its traces (they are kept at write time, not computed on read).
// - Reads never cross projects. "Not found" is null, never an empty object.
// - A filter a backend cannot serve is refused with a LoupeError, never approximated.
import type { Batch } from '../model/batch.js';
import type { Scope } from '../model/enums.js';
import type { Score, Span, Trace } from '../model/schemas.js';
import type { Page, PageRequest, ScoreFilter, SessionFilter, SpanFilter, TraceFilter, TraceInclude, UserFilter } from '../query/filter.js';
import type { Session, SessionDetail, User } from '../model/rollups.js';
import type { MetricsQuery, MetricsRow } from '../query/metrics.js';
import type { ExportRecord } from '../model/export.js';
import type { ModelPrice } from '../cost/types.js';
import type { TraceFacets } from './trace-facets.js';

export type { TraceFacets } from './trace-facets.js';

export interface WriteItem {
  projectId: number;
  batch: Batch;
  /** When the request arrived (µs): the fallback start of anything that names no time. */
  receivedAt: number;
}

export interface Project {
  id: number;
  name: string;
  createdAt: string;
  settings: Record<string, unknown>;
}

export interface ApiKeyRecord {
  id: string;
  projectId: number;
  scopes: Scope[];
  name: string | null;
  prefix: string;
}

/** A key as `keys list` and the key API show it (never its hash). Times are ISO 8601. */
export interface ApiKeyInfo extends ApiKeyRecord {
  projectName: string;
  createdAt: string;
  /** When it last authenticated a request, to within a minute (auth.ts writes it at most once a minute per key); null if never. */
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/**
 * What revoking did: `revoked`; `already_revoked` (nothing changed); `not_found` (no such key, or
 * not in the given project); `last_admin` (refused: it is the project's last working admin key).
 */
export type RevokeResult = 'revoked' | 'already_revoked' | 'not_found' | 'last_admin';

export interface TraceDetail {
  trace: Trace;
  spans: Span[];
  scores: Score[];
}

/** Which traces a delete takes: by id, every trace of one user, or those that started before a time (µs). */
export type TraceSelection = { ids: string[] } | { userId: string } | { startedBefore: number };

/** What a delete removed. */
export interface DeleteCounts {
  traces: number;
  spans: number;
  scores: number;
}

/** What a collection of unreferenced span content freed (Store.collectGarbage). */
export interface GarbageCounts {
  spansScanned: number;
  chunksFreed: number;
  /** Characters of the freed chunks' text. */
  charsFreed: number;
  packsRewritten: number;
  packsDeleted: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /** Applies pending migrations; safe to call on every start. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;

  writeGroup(items: WriteItem[]): Promise<void>;

  listTraces(projectId: number, filter: TraceFilter, page: PageRequest): Promise<Page<Trace>>;
  getTrace(projectId: number, traceId: string): Promise<TraceDetail | null>;
  /** The same by the trace's stable integer id (`numericId`, the Evalgate API's id). */
  getTraceByNumericId(projectId: number, numericId: number): Promise<TraceDetail | null>;
  /**
   * Offset paging for APIs that speak limit/offset (Evalgate): newest start first, ties by
   * numericId. Keyset `listTraces` is the one to prefer; offsets shift as traces arrive.
   */
  listTracesByOffset(projectId: number, filter: TraceFilter, limit: number, offset: number): Promise<Trace[]>;
  /**
   * Optional: getTrace's answer already serialized as JSON text (identical to JSON.stringify of
   * it), so a backend can build large traces off the event loop. Routes prefer it when present.
   */
  getTraceJson?(projectId: number, traceId: string): Promise<string | null>;
  /**
   * The extras of a trace list page (`include=`), for all its ids in one or two queries, never one
   * per trace. Per id: `models` when asked, the distinct non-null models of its spans, sorted;
   * `scores` when asked, its scores newest first (createdAt, then id, descending), at most
   * LIST_ROW_SCORE_CAP. Every given id has an entry, with empty arrays for a trace without any
   * (or not in this project).
   */
  traceFacets(projectId: number, traceIds: string[], want: TraceInclude): Promise<Map<string, TraceFacets>>;
  listSpans(projectId: number, filter: SpanFilter, page: PageRequest): Promise<Page<Span>>;
  /**
   * The trace id of a span found by its id alone, or null. Only spans written in a batch with
   * `indexSpanIds` are findable this way (never a scan over all spans).
   */
  findSpanTraceId(projectId: number, spanId: string): Promise<string | null>;

  /** Sessions by latest activity (lastTime), keyset-paged. */
  listSessions(projectId: number, filter: SessionFilter, page: PageRequest): Promise<Page<Session>>;
  /** A session with one page of its traces in time order; null when it has no trace. */
  getSession(projectId: number, sessionId: string, page: PageRequest): Promise<SessionDetail | null>;
  /** Users by latest activity (lastSeen), keyset-paged. */
  listUsers(projectId: number, filter: UserFilter, page: PageRequest): Promise<Page<User>>;
  getUser(projectId: number, userId: string): Promise<User | null>;
  /** Scores by createdAt, keyset-paged. */
  listScores(projectId: number, filter: ScoreFilter, page: PageRequest): Promise<Page<Score>>;

  /** Returns the project with this name, creating it first if it does not exist. */
  ensureProject(name: string): Promise<Project>;
  /** Looks a project up by its numeric id (as text) or its name. */
  findProject(idOrName: string): Promise<Project | null>;
  countProjects(): Promise<number>;
  /**
   * The project's settings object (null when there is no such project). Served from memory:
   * every ingest request may read it. An update through this Store is seen by the next read.
   */
  getProjectSettings(projectId: number): Promise<Record<string, unknown> | null>;
  /** Merges `patch` into the settings (JSON merge patch: a null value removes a key); returns the result, or null when there is no such project. */
  updateProjectSettings(projectId: number, patch: Record<string, unknown>): Promise<Record<string, unknown> | null>;
  /** Stores a key by its SHA-256 hash; the key itself is never stored. */
  createApiKey(key: { id: string; projectId: number; hash: string; prefix: string; scopes: Scope[]; name: string | null }): Promise<void>;
  /** The key with this hash, unless it was revoked: a revoked key is never found again. */
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
  /** Keys, revoked ones included, oldest first (then by id); only the project's when given. */
  listApiKeys(projectId?: number): Promise<ApiKeyInfo[]>;
  /**
   * Revokes a key by id (only within `projectId` when given). MUST refuse, atomically with respect
   * to every other revocation by any process or server, to revoke the last unrevoked key of a
   * project holding the admin scope, so a project is never left without a way to manage it.
   */
  revokeApiKey(id: string, projectId?: number): Promise<RevokeResult>;
  /** Records that the key authenticated a request at `atMicros` (best effort; never moves it back). */
  touchApiKey(id: string, atMicros: number): Promise<void>;

  // ---- deletion and retention (docs/retention.md) ----
  /**
   * Deletes at most `limit` of the project's traces the selection names, each with its spans,
   * scores, tags, full-text entry and span-id lookups, in ONE transaction; session, user and
   * metrics rollups are right when it commits (as after a write). Returns what went; fewer traces
   * than `limit` means none is left. Callers loop to delete more in small transactions.
   */
  deleteTraces(projectId: number, select: TraceSelection, limit: number): Promise<DeleteCounts>;
  /** Every project (id, name, settings, read from the database, not a cache), for the retention purge. */
  listProjects(): Promise<Project[]>;
  /**
   * Optional: gives space freed by deletes back to the file system, a bounded step at a time
   * (SQLite: incremental vacuum, docs/retention.md). The retention purge calls it after a pass
   * that deleted something. A backend without it reuses freed space for later writes.
   */
  reclaimSpace?(): Promise<void>;
  /**
   * Optional: frees span content that deletes left unreferenced (SQLite: the chunks spans share by
   * content, chunk-gc.ts), in slices that let writes interleave. Does nothing, and answers
   * undefined, when nothing was deleted since the last collection began. The retention purge calls
   * it at most every few minutes (purge.ts), then reclaimSpace.
   */
  collectGarbage?(): Promise<GarbageCounts | undefined>;
  /**
   * Optional: whether a write may be queued now; null admits it. SQLite refuses while its
   * compactor is too far behind (sqlite/compaction.ts), so a backlog stays bounded.
   */
  admit?(): { retryAfter: number; reason: string } | null;
  /** Optional: resolves once the background work behind admit()'s refusals caught up (SQLite's compaction). */
  compacted?(): Promise<void>;
  /** Optional: how far background compaction is behind the writes (SQLite), null before any write. */
  compactionStatus?(): { backlogSpans: number; behindSeconds: number; cpuSeconds: number | null } | null;


  // ---- analytics: metrics, export, prices (docs/metrics.md, docs/export.md, docs/cost.md) ----
  /** Time-bucketed aggregates computed in the database; rows ordered by bucket, then group (nulls last). */
  metrics(projectId: number, q: MetricsQuery): Promise<MetricsRow[]>;
  /** A page of traces in the export format, keyset-paged like listTraces; spans and scores in a store-independent order. */
  exportTraces(projectId: number, filter: TraceFilter, page: PageRequest): Promise<Page<ExportRecord>>;
  /** The project's own prices (overrides and additions to the built-in table). */
  listPrices(projectId: number): Promise<ModelPrice[]>;
  /** Upserts price entries keyed by (model pattern, effectiveFrom). */
  putPrices(projectId: number, prices: ModelPrice[]): Promise<void>;
  /** Removes a pattern's entries (only the one effective from that time, when given); returns how many. */
  deletePrices(projectId: number, modelPattern: string, effectiveFrom?: number): Promise<number>;
}
