// The Store: Loupe's reader and writer, with written contracts every backend MUST keep
// (the conformance suite in test/conformance holds them):
// - writeGroup() writes all items in ONE transaction and returns only once it is durable;
//   either every item is stored or none is.
// - Writes are idempotent upserts keyed by (project, trace id), (project, trace id, span id) and
//   (project, score id): re-sending a batch changes nothing; a field a later part leaves out
//   keeps its stored value; a span may arrive before its trace, and in several parts.
// - Trace rollups (span/error counts, tokens, cost, times, status) are right after every write,
//   whatever the arrival order; only llm and embedding spans count towards tokens and cost.
// - Reads never cross projects. "Not found" is null, never an empty object.
// - A filter a backend cannot serve is refused with a LoupeError, never approximated.
import type { Batch } from '../model/batch.js';
import type { Scope } from '../model/enums.js';
import type { Score, Span, Trace } from '../model/schemas.js';
import type { Page, PageRequest, SpanFilter, TraceFilter } from '../query/filter.js';

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

export interface TraceDetail {
  trace: Trace;
  spans: Span[];
  scores: Score[];
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
  /**
   * Optional: getTrace's answer already serialized as JSON text (identical to JSON.stringify of
   * it), so a backend can build large traces off the event loop. Routes prefer it when present.
   */
  getTraceJson?(projectId: number, traceId: string): Promise<string | null>;
  listSpans(projectId: number, filter: SpanFilter, page: PageRequest): Promise<Page<Span>>;

  /** Returns the project with this name, creating it first if it does not exist. */
  ensureProject(name: string): Promise<Project>;
  /** Looks a project up by its numeric id (as text) or its name. */
  findProject(idOrName: string): Promise<Project | null>;
  countProjects(): Promise<number>;
  /** Stores a key by its SHA-256 hash; the key itself is never stored. */
  createApiKey(key: { id: string; projectId: number; hash: string; prefix: string; scopes: Scope[]; name: string | null }): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null>;
}
