// Test helpers for the real CLI: `node bin/loupe.js …` as a child process.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LOUPE = join(REPO, 'bin', 'loupe.js');

/** The environment for children: this process's, minus settings a test worker may have changed. */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LOUPE_SQLITE_SYNC;
  delete env.NODE_OPTIONS;
  return env;
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `loupe serve` on free ports (HTTP and gRPC: a server a person left running on 4317 must
 * not fail a test) and resolves once it listens; `args` go after the defaults, `env` over the test's.
 */
export function serve(dataDir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [LOUPE, 'serve', '--port', '0', '--grpc-port', '0', '--data-dir', dataDir, ...args], { cwd: REPO, env: { ...childEnv(), ...env } });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Loupe listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        child.stdout.on('data', (x: Buffer) => { out += x.toString(); });
        resolve({ child, url: m[1], output: () => out, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    void exited.then(({ code, signal }) => reject(new Error(`loupe serve exited (${code ?? signal}) before listening:\n${out}`)));
  });
}

/** Runs a CLI command to completion and returns its exit code and output. */
export function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [LOUPE, ...args], { cwd: REPO, env: childEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
