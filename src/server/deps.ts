// What route modules are given: the store for reads, the pipeline for writes, auth, and config.
import type { Pipeline } from '../ingest/pipeline.js';
import type { Store } from '../store/store.js';
import type { Writer } from '../store/writer.js';
import type { Authenticator } from './auth.js';
import type { PriceBook } from '../cost/book.js';
import type { InflightBytes } from './inflight.js';

export interface AppDeps {
  store: Store;
  writer: Writer;
  pipeline: Pipeline;
  auth: Authenticator;
  /** Per-project price tables for ingest-time cost; invalidated when a project's prices change. */
  prices: PriceBook;
  version: string;
  bodyLimit: number;
  /** Request bodies held at once, HTTP and gRPC together (inflight.ts). */
  inflight: InflightBytes;
}
