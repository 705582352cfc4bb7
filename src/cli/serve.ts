// `loupe serve`: runs until SIGTERM/SIGINT, then drains: in-flight requests finish, every
// acknowledged batch is committed, the database is closed cleanly.
import { setFlagsFromString } from 'node:v8';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { adminKeyPath, startServer, type RunningServer, type ServerConfig } from '../server/index.js';
import { DatabaseInUseError } from '../store/open.js';
import { resolveWebDir } from '../server/dashboard.js';
import { checkoutReadme, startBanner } from './banner.js';

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

/** How long a stop waits for requests in flight (docs/production.md): LOUPE_SHUTDOWN_TIMEOUT_MS, default 10 s. */
function shutdownTimeoutMs(): number {
  const raw = process.env.LOUPE_SHUTDOWN_TIMEOUT_MS?.trim();
  if (!raw) return 10_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`LOUPE_SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds, not ${raw}`);
  return n;
}

export async function serve(cfg: Omit<ServerConfig, 'onAdminKey'>): Promise<number> {
  let newAdminKey: string | undefined;
  let server: RunningServer;
  try {
    server = await startServer({
      ...cfg,
      logger: process.env.LOUPE_LOG === '1',
      drain: { timeoutMs: shutdownTimeoutMs() },
      onAdminKey: (key, file) => {
        newAdminKey = key;
        process.stdout.write(`\nCreated project "default" and an admin key (shown once; also saved to ${file}):\n\n  ${key}\n\n`);
      },
    });
  } catch (e) {
    if (!(e instanceof DatabaseInUseError)) throw e;
    throw new Error(`${e.message}.\nOne data directory, one server: stop that one first, or start this one with another --data-dir.`);
  }
  // Signals are handled from before the banner says the server listens: whoever reads that line
  // and stops the server at once still gets a clean drain.
  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      // Later signals change nothing (the drain is bounded): one Ctrl-C under `npm start` arrives
      // twice (from the terminal and forwarded by npm), and the default action of the second would
      // kill the process mid-drain, resetting the requests the drain is there to answer.
      if (stopping) return;
      stopping = true;
      process.stdout.write(`${signal}: draining writes…\n`);
      server.close().then(resolve, (e: unknown) => {
        process.stderr.write(`error while stopping: ${(e as Error).message}\n`);
        resolve();
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  process.stdout.write(`Loupe listening on ${server.url} (OTLP/HTTP at ${server.url}/v1/traces, API at ${server.url}/api/v1)\n`);
  if (server.grpcPort !== undefined) process.stdout.write(`OTLP/gRPC on ${cfg.host}:${server.grpcPort}\n`);
  const built = existsSync(join(resolveWebDir(cfg.webDir), 'index.html'));
  const keyFile = adminKeyPath(cfg.dataDir);
  process.stdout.write(startBanner(server.url, {
    built, newAdminKey, adminKeyFile: keyFile && resolve(keyFile), dataDir: resolve(cfg.dataDir), readme: checkoutReadme(),
  }));
  await stopped;
  process.stdout.write('stopped\n');
  return 0;
}
