// The server under test: `node bin/loupe.js serve` as a child process on 127.0.0.1 with its own
// data directory; its peak RSS comes from /proc (VmHWM), its bytes on disk from the data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerHandle {
  url: string;
  key: string;
  pid: number;
  dataDir: string;
  /** Peak resident set so far, bytes (VmHWM). */
  peakRss(): number;
  /** CPU time used so far by all the server's threads, seconds (user + system). */
  cpuSeconds(): number;
  /** SIGTERM, then waits for the drain and exit. */
  stop(): Promise<void>;
}

const ROOT = new URL('../../', import.meta.url).pathname;

export async function startServerProcess(dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServerHandle> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin/loupe.js'), 'serve', '--port', '0', '--grpc-port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
    // Benches measure what one server can take, from one key: the per-key budgets (429 past 1,000
    // requests or 64 MiB per second) are off unless the caller's environment sets them.
    env: { ...process.env, LOUPE_KEY_RPS: process.env.LOUPE_KEY_RPS ?? '0', LOUPE_KEY_BYTES_PER_SEC: process.env.LOUPE_KEY_BYTES_PER_SEC ?? '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  child.stdout!.resume();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    key: readFileSync(join(dataDir, 'admin-key.txt'), 'utf8').trim(),
    pid: child.pid!,
    dataDir,
    peakRss() {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) * 1024 : 0;
      } catch {
        return 0;
      }
    },
    cpuSeconds() {
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
      } catch {
        return NaN;
      }
    },
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Bytes of every file in the directory (the database, its WAL and shm). */
export function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    const s = statSync(join(dir, f));
    if (s.isFile()) n += s.size;
  }
  return n;
}
