// `loupe serve`: runs until SIGTERM/SIGINT, then drains: in-flight requests finish, every
// acknowledged batch is committed, the database is closed cleanly.
import { setFlagsFromString } from 'node:v8';
import { startServer, type ServerConfig } from '../server/index.js';

// Ingest allocates many short-lived objects per span: a larger young generation keeps them out of
// the old one (measured: GC from ~15% to ~11% of CPU under OTLP load). LOUPE_SEMI_SPACE_MB=0 keeps V8's default.
const semiSpace = Number(process.env.LOUPE_SEMI_SPACE_MB ?? 64);
if (semiSpace > 0) setFlagsFromString(`--max-semi-space-size=${semiSpace}`);
// Under steady ingest V8 let the old generation grow to ~4x what was live (queued batches die
// there after a promotion), so peak RSS climbed past 600 MiB over 90 s of OTLP load. Growing it
// by at most 2x held the peak to ~470 MiB for up to ~8% more CPU per span (bench/README.md,
// 2026-12-01), until caches filled: over 1M spans it reached ~537 MiB, with ~135 MB live. By at
// most 1.5x: ~60 MiB less at the peak, for a Mark-Compact about twice as often (~1% of CPU;
// 2026-12-06). LOUPE_HEAP_GROWING_PERCENT=0 keeps V8's own heuristic.
const growing = Number(process.env.LOUPE_HEAP_GROWING_PERCENT ?? 50);
if (growing > 0) setFlagsFromString(`--heap-growing-percent=${growing}`);

export async function serve(cfg: Omit<ServerConfig, 'onAdminKey'>): Promise<number> {
  const server = await startServer({
    ...cfg,
    logger: process.env.LOUPE_LOG === '1',
    onAdminKey: (key, file) => {
      process.stdout.write(`\nCreated project "default" and an admin key (shown once; also saved to ${file}):\n\n  ${key}\n\n`);
    },
  });
  process.stdout.write(`Loupe listening on ${server.url} (OTLP/HTTP at ${server.url}/v1/traces, API at ${server.url}/api/v1, docs at ${server.url}/openapi.json)\n`);
  if (server.grpcPort !== undefined) process.stdout.write(`OTLP/gRPC on ${cfg.host}:${server.grpcPort}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`${signal}: draining writes…\n`);
      server.close().then(resolve, (e: unknown) => {
        process.stderr.write(`error while stopping: ${(e as Error).message}\n`);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  process.stdout.write('stopped\n');
  return 0;
}
