// One data directory, one server: through the real CLI, a second `loupe serve` on the same data
// directory is refused at start (exit 1, a clear message), a lock left by a killed server does not
// block the next start, `loupe import` straight into the database refuses beside a running server
// (and works through --url), keys and prices stay safe beside it, and a port in use exits 1 with a
// hint instead of hanging.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { call, tempDir } from '../helpers/server.js';
import { spawn } from 'node:child_process';
import { childEnv, LOUPE, REPO, serve } from '../helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dir(tag: string): string {
  const d = tempDir(tag);
  dirs.push(d);
  return d;
}

let n = 0;
/** A native ingest body of one trace with one span. */
function oneSpan(): { traceId: string; body: unknown } {
  const traceId = `one-server-${process.pid}-${n++}`;
  const now = Date.now();
  return { traceId, body: { spans: [{ id: `${traceId}-s`, traceId, name: 'step', kind: 'llm', startTime: now, endTime: now + 5 }] } };
}

/** A port bound by this process on 127.0.0.1 (so that nobody else can take it while the test runs). */
async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no address');
  return { port: addr.port, server };
}

/** Runs a CLI command with a deadline: one that hangs is killed and fails the test. */
function runWithin(ms: number, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [LOUPE, ...args], { cwd: REPO, env: childEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`loupe ${args.join(' ')} still running after ${ms} ms:\n${stdout}${stderr}`));
    }, ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('one data directory, one server', () => {
  test('a second loupe serve on the same data directory is refused at start; the first keeps writing', async () => {
    const d = dir('lock-serve');
    const first = await serve(d);
    try {
      const second = await runWithin(30_000, ['serve', '--port', '0', '--grpc-port', '0', '--data-dir', d]);
      expect(second.code, second.stdout + second.stderr).toBe(1);
      expect(second.stdout).not.toContain('Loupe listening');
      expect(second.stderr).toContain(`pid ${first.child.pid}`);
      expect(second.stderr).toMatch(/in use by another Loupe process/);

      const key = readFileSync(join(d, 'admin-key.txt'), 'utf8').trim();
      for (let i = 0; i < 3; i++) {
        const b = oneSpan();
        expect((await call(first.url, '/api/v1/ingest', { key, body: b.body })).status).toBe(200);
        expect((await call(first.url, `/api/v1/traces/${b.traceId}`, { key })).status).toBe(200);
      }
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });

  test('a lock left by a killed server does not block the next start', async () => {
    const d = dir('lock-stale');
    const first = await serve(d);
    first.child.kill('SIGKILL');
    await first.exited;
    const next = await serve(d);
    try {
      const key = readFileSync(join(d, 'admin-key.txt'), 'utf8').trim();
      expect((await call(next.url, '/api/v1/ingest', { key, body: oneSpan().body })).status).toBe(200);
    } finally {
      next.child.kill('SIGTERM');
      expect((await next.exited).code).toBe(0);
    }
    // And after a clean stop the directory is free again.
    const again = await serve(d);
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });

  test('import into the database refuses beside a running server and names --url; keys and prices stay safe', async () => {
    const d = dir('lock-tools');
    const srv = await serve(d);
    try {
      const key = readFileSync(join(d, 'admin-key.txt'), 'utf8').trim();
      const b = oneSpan();
      const file = join(d, 'export.jsonl');
      const now = new Date().toISOString();
      writeFileSync(file, `${JSON.stringify({ trace: { id: b.traceId, name: 'imported', startTime: now }, spans: [{ id: `${b.traceId}-s`, traceId: b.traceId, name: 'step', kind: 'llm', startTime: now, endTime: now }] })}\n`);

      const direct = await runWithin(30_000, ['import', file, '--data-dir', d]);
      expect(direct.code, direct.stderr).toBe(1);
      expect(direct.stderr).toContain(`pid ${srv.child.pid}`);
      expect(direct.stderr).toContain('--url');
      expect((await call(srv.url, `/api/v1/traces/${b.traceId}`, { key })).status).toBe(404);

      const viaServer = await runWithin(30_000, ['import', file, '--data-dir', d, '--url', srv.url]);
      expect(viaServer.code, viaServer.stderr).toBe(0);
      expect((await call(srv.url, `/api/v1/traces/${b.traceId}`, { key })).status).toBe(200);

      // Keys and prices write a row or two in their own transactions: safe beside the server.
      const k = await runWithin(30_000, ['keys', 'create', '--project', 'beside', '--data-dir', d]);
      expect(k.code, k.stderr).toBe(0);
      expect((await call(srv.url, '/api/v1/ingest', { key: k.stdout.trim(), body: oneSpan().body })).status).toBe(200);
      const p = await runWithin(30_000, ['prices', 'set', '--model', 'beside-model', '--input', '1/1M', '--output', '2/1M', '--data-dir', d]);
      expect(p.code, p.stderr).toBe(0);
      // The server keeps writing after both.
      expect((await call(srv.url, '/api/v1/ingest', { key, body: oneSpan().body })).status).toBe(200);
    } finally {
      srv.child.kill('SIGTERM');
      expect((await srv.exited).code).toBe(0);
    }
  });

  test('an HTTP port in use exits 1 with a hint instead of hanging', async () => {
    const d = dir('port-http');
    const { port, server } = await occupy();
    try {
      const r = await runWithin(30_000, ['serve', '--port', String(port), '--grpc-port', '0', '--data-dir', d]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(`port ${port} is in use: is another Loupe running? use --port`);
      expect(r.stdout).not.toContain('Loupe listening');
    } finally {
      server.close();
    }
  });

  test('a gRPC port in use exits 1 with a hint instead of hanging', async () => {
    const d = dir('port-grpc');
    const { port, server } = await occupy();
    try {
      const r = await runWithin(30_000, ['serve', '--port', '0', '--grpc-port', String(port), '--data-dir', d]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain(`port ${port} is in use: is another Loupe running? use --grpc-port`);
      expect(r.stdout).not.toContain('Loupe listening');
    } finally {
      server.close();
    }
  });
});
