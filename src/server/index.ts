// Starting and stopping a Loupe server: store, writer, pipeline, auth, HTTP app.
import { chmodSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Pipeline } from '../ingest/pipeline.js';
import { openStore, type StoreConfig } from '../store/open.js';
import type { Store } from '../store/store.js';
import { Writer, type WriterOptions } from '../store/writer.js';
import { buildApp } from './app.js';
import { Authenticator } from './auth.js';
import { resolveCorsOrigins } from './cors.js';
import { DEFAULT_FAILURE_THROTTLE, resolveKeyRateLimits, type FailureThrottleOptions, type KeyRateLimits } from './rate-limit.js';
import { DEFAULT_BODY_LIMIT } from './body.js';
import { startGrpc, type GrpcReceiver } from './grpc.js';
import { InflightBytes } from './inflight.js';
import { resolveLimits, type ConnectionLimits } from './limits.js';
import { createKey } from './keys.js';
import { httpDrain, type DrainOptions } from './drain.js';
import { ensurePrivateDir, FILE_MODE, stderrNotice, tightenFile } from '../store/private-files.js';
import type { AppDeps } from './deps.js';
import { PriceBook } from '../cost/book.js';
import { RetentionPurger, type PurgeOptions } from '../store/purge.js';
import { toLoupeError } from './error-handler.js';

export const VERSION = '0.1.0';

export interface ServerConfig extends StoreConfig {
  host: string;
  port: number;
  grpcPort?: number;
  logger?: boolean;
  writer?: WriterOptions;
  /** Largest request body in bytes, after decompression (default 64 MiB). */
  bodyLimit?: number;
  /** Timeouts and the connection cap (docs/limits.md); unset ones come from LOUPE_* variables or defaults. */
  limits?: Partial<ConnectionLimits>;
  /** The built dashboard to serve at / (default: LOUPE_WEB_DIR, else the repository's web/dist). */
  webDir?: string;
  /** How close() waits for requests in flight (default: up to 10 s). */
  drain?: DrainOptions;
  /** Requests and bytes per second per API key (docs/limits.md); unset ones from LOUPE_KEY_RPS / LOUPE_KEY_BYTES_PER_SEC or defaults; 0 turns one off. */
  keyRateLimits?: Partial<KeyRateLimits>;
  /** Failed authentications per client address before it is refused for a while (default 20 in 60 s, refused 60 s). */
  authFailures?: Partial<FailureThrottleOptions>;
  /** How long a key lookup is trusted (default 1,000 ms): the most a revoked key keeps working on this server. */
  keyCacheTtlMs?: number;
  /** Origins browser apps may call the API from (default LOUPE_CORS_ORIGINS, comma-separated; none: CORS off). */
  corsOrigins?: string[];
  /** The retention purge (docs/retention.md): interval, batch size; intervalMs 0 runs it only when called. */
  purge?: PurgeOptions;
  /** Called with the admin key when the first start creates it. */
  onAdminKey?: (key: string, file: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  /** The bound OTLP/gRPC port, when a grpcPort was configured (0 binds an ephemeral one). */
  grpcPort?: number;
  app: FastifyInstance;
  deps: AppDeps;
  store: Store;
  /** The retention purge, running on its timer (runOnce() runs a pass now). */
  purger: RetentionPurger;
  /**
   * Serves nothing new (503), finishes in-flight requests, closes the listeners and connections
   * without resetting a request (drain.ts), drains the writer, closes the store (and its lock).
   */
  close(): Promise<void>;
}

export const ADMIN_KEY_FILE = 'admin-key.txt';

/**
 * Most items one write transaction takes, unless a single batch is larger (it still commits
 * alone). SQLite writes on the event loop, so a group is one stretch every read waits behind: in
 * the overload bench, groups of up to 20,000 items (several 8 MB batches) held the loop for up to
 * 0.4 s on a quiet machine, groups of one 2,000-span batch for 0.06-0.15 s. 2,000 items
 * still share one fsync among many small requests (docs/limits.md, overload).
 */
export const SERVER_GROUP_ITEMS = 2_000;

/** A port Loupe was asked to listen on is taken; the message names the option that moves it. */
export class PortInUseError extends Error {
  constructor(readonly port: number, readonly option: '--port' | '--grpc-port') {
    super(`port ${port} is in use: is another Loupe running? use ${option}`);
    this.name = 'PortInUseError';
  }
}

function inUse(e: unknown): boolean {
  // Node's listen sets code; grpc-js only says it in the message ("… [listen EADDRINUSE: …]").
  return (e as NodeJS.ErrnoException).code === 'EADDRINUSE' || /EADDRINUSE/.test((e as Error).message ?? '');
}

/** On the very first start: project `default` and an admin key, written for the local user. */
async function bootstrap(store: Store, cfg: ServerConfig): Promise<void> {
  if (await store.findProject('default')) return;
  const project = await store.ensureProject('default');
  const { key } = await createKey(store, project.id, ['admin', 'ingest', 'read'], 'bootstrap admin');
  ensurePrivateDir(cfg.dataDir);
  const file = join(cfg.dataDir, ADMIN_KEY_FILE);
  writeFileSync(file, `${key}\n`, { mode: FILE_MODE });
  // The mode above only applies to a new file, and through the umask: make it exact.
  chmodSync(file, FILE_MODE);
  cfg.onAdminKey?.(key, file);
}

export async function startServer(cfg: ServerConfig): Promise<RunningServer> {
  // Before the store opens: a bad LOUPE_* value fails fast.
  const limits = resolveLimits(cfg.limits);
  const rate = resolveKeyRateLimits(cfg.keyRateLimits);
  const corsOrigins = resolveCorsOrigins(cfg.corsOrigins);
  const store = await openStore(cfg);
  const writer = new Writer(store, { maxGroupItems: SERVER_GROUP_ITEMS, ...cfg.writer });
  const prices = new PriceBook(store);
  const deps: AppDeps = {
    store,
    writer,
    pipeline: new Pipeline(writer, { settings: (id) => store.getProjectSettings(id), prices }),
    auth: new Authenticator(store, { rate, cacheTtlMs: cfg.keyCacheTtlMs, failures: { ...DEFAULT_FAILURE_THROTTLE, ...cfg.authFailures } }),
    prices,
    version: VERSION,
    bodyLimit: cfg.bodyLimit ?? DEFAULT_BODY_LIMIT,
    inflight: new InflightBytes(limits.maxInflightBytes),
  };
  const app = buildApp(deps, { logger: cfg.logger, webDir: cfg.webDir, limits, corsOrigins });
  const http = httpDrain(app, cfg.drain);
  let grpc: GrpcReceiver | undefined;
  let port: number;
  try {
    try {
      await app.listen({ host: cfg.host, port: cfg.port });
    } catch (e) {
      throw inUse(e) ? new PortInUseError(cfg.port, '--port') : e;
    }
    const addr = app.server.address();
    port = typeof addr === 'object' && addr ? addr.port : cfg.port;
    if (cfg.grpcPort !== undefined) {
      try {
        grpc = await startGrpc(deps, cfg.host, cfg.grpcPort, limits);
      } catch (e) {
        throw inUse(e) ? new PortInUseError(cfg.grpcPort, '--grpc-port') : new Error(`cannot listen for OTLP/gRPC on ${cfg.host}:${cfg.grpcPort}: ${(e as Error).message}`);
      }
    }
    // After the ports: a start that fails on a port in use creates no admin key (and shows none).
    await bootstrap(store, cfg);
    tightenFile(join(cfg.dataDir, ADMIN_KEY_FILE), cfg.notice ?? stderrNotice);
  } catch (e) {
    // Everything opened so far, or the read and checkpoint threads keep the process running.
    await Promise.all([app.close(), grpc?.close()]);
    await writer.close();
    await store.close();
    throw e;
  }
  // A failed pass is logged as a request's failure is: the database's throttled, the rest always.
  const purger = new RetentionPurger(store, { onError: (e) => void toLoupeError(e, 'the background purge'), ...cfg.purge });
  purger.start();
  let closing: Promise<void> | undefined;
  return {
    url: `http://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${port}`,
    port,
    grpcPort: grpc?.port,
    app,
    deps,
    store,
    purger,
    close() {
      closing ??= (async () => {
        // A purge pass ends after its current batch: no delete runs once the store closes.
        await purger.stop();
        // HTTP and gRPC serve nothing new and finish what is in flight (each within its bound) ...
        await Promise.all([http.drain(), grpc?.close()]);
        await app.close();
        // ... then everything acknowledged is committed (it was on ack) and the queue is empty.
        await writer.close();
        await store.close();
      })();
      return closing;
    },
  };
}

export function adminKeyPath(dataDir: string): string | undefined {
  const f = join(dataDir, ADMIN_KEY_FILE);
  return existsSync(f) ? f : undefined;
}
