// What an app's exit sends, in child Node processes: a natural exit without flush(), spans left
// open, an uncaught exception (recorded, flushed, still a crash), SIGTERM with and without the
// app's own handler, and a server that never answers (the app still exits in bounded time).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { startProxy, startSilentServer, waitForTrace } from './helpers.js';

const APP = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'app.mjs');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  traceId: string;
  ms: number;
}

/** killAfterMs: a process still running then is killed (SIGKILL), so a hang fails the test. */
function runApp(mode: string, env: Record<string, string>, onReady?: (child: ReturnType<typeof spawn>) => void, killAfterMs?: number): Promise<Run> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [APP, mode], { env: { ...process.env, NODE_OPTIONS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (killAfterMs) {
    const k = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', () => clearTimeout(k));
  }
  let stdout = '';
  let stderr = '';
  let readied = false;
  child.stdout!.on('data', (b: Buffer) => {
    stdout += b.toString();
    if (!readied && /^ready$/m.test(stdout)) {
      readied = true;
      onReady?.(child);
    }
  });
  child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({
    code, signal, stdout, stderr, ms: Date.now() - t0, traceId: /trace ([0-9a-f]{32})/.exec(stdout)?.[1] ?? '',
  })));
}

let srv: TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  srv = await startTestServer('sdk-exit');
  env = { KEY: srv.key, URL: srv.url };
});
afterAll(async () => {
  await srv.close();
});

describe('at exit', () => {
  it('sends what is buffered when the app just ends (beforeExit), without flush()', async () => {
    const r = await runApp('natural', env);
    expect(r.code).toBe(0);
    const d = await waitForTrace(srv.url, srv.key, r.traceId, 2);
    expect(d.spans.map((s) => [s.kind, s.output]).sort()).toEqual([['message', 'bye'], ['tool', 'found']]);
  });

  it('sends spans still open as they are', async () => {
    const r = await runApp('open', env);
    expect(r.code).toBe(0);
    const d = await waitForTrace(srv.url, srv.key, r.traceId, 2);
    expect(d.spans.find((s) => s.kind === 'message')).toMatchObject({ input: 'hello', endTime: null });
  });

  it('an uncaught exception is recorded on the open trace, flushed, and still crashes the process', async () => {
    const r = await runApp('crash', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('kaboom');
    const d = await waitForTrace(srv.url, srv.key, r.traceId, 3);
    const log = d.spans.find((s) => s.kind === 'log')!;
    expect(log).toMatchObject({ status: 'error', name: 'uncaught exception: Error: kaboom', error: 'Error: kaboom' });
    expect(log.parentId).toBeNull();
    expect(d.spans.find((s) => s.kind === 'message')!.endTime).toBeNull();
  });

  it('an unhandled rejection too', async () => {
    const r = await runApp('reject', env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rejected kaboom');
    const d = await waitForTrace(srv.url, srv.key, r.traceId, 3);
    expect(d.spans.find((s) => s.kind === 'log')!.error).toBe('Error: rejected kaboom');
  });

  it('an exception the app handles leaves the app running', async () => {
    const r = await runApp('handled-crash', env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('app handled handled kaboom');
    expect(r.stdout).toContain('still alive');
    const d = await waitForTrace(srv.url, srv.key, r.traceId, 3);
    expect(d.spans.find((s) => s.kind === 'log')!.error).toBe('Error: handled kaboom');
  });

  it('an exception the app handles, past the exit deadline: the client still sends later events, and the process ends', async () => {
    const r = await runApp('handled-crash-goes-on', { ...env, EXIT_MS: '1' }, undefined, 20_000);
    expect(r.stdout).toContain('later flush ok');
    expect(r.code).toBe(0);
    const later = /later ([0-9a-f]{32})/.exec(r.stdout)![1];
    expect((await waitForTrace(srv.url, srv.key, later, 1)).spans).toHaveLength(1);
  });

  it('a signal the app handles, past the exit deadline: the client still sends later events, and the process ends', async () => {
    const r = await runApp('sigterm-own-goes-on', { ...env, EXIT_MS: '1' }, (c) => c.kill('SIGTERM'), 20_000);
    expect(r.stdout).toContain('later flush ok');
    expect(r.code).toBe(0);
    const later = /later ([0-9a-f]{32})/.exec(r.stdout)![1];
    expect((await waitForTrace(srv.url, srv.key, later, 1)).spans).toHaveLength(1);
  });

  it('SIGTERM without a handler of the app: flushed, then terminated by the signal', async () => {
    const r = await runApp('sigterm', env, (c) => c.kill('SIGTERM'));
    expect(r.signal).toBe('SIGTERM');
    const d = await waitForTrace(srv.url, srv.key, r.traceId, 2);
    expect(d.spans).toHaveLength(2);
  });

  it("SIGTERM with the app's own handler: the app decides (here: shutdown(), then exit 7)", async () => {
    const r = await runApp('sigterm-own', env, (c) => c.kill('SIGTERM'));
    expect(r.code).toBe(7);
    expect(r.stdout).toContain('own handler done');
    const d = await waitForTrace(srv.url, srv.key, r.traceId, 2);
    expect(d.spans).toHaveLength(2);
  });

  it('a server that never answers: the app still exits, in bounded time', async () => {
    const silent = await startSilentServer();
    try {
      const r = await runApp('natural', { KEY: srv.key, URL: silent.url, EXIT_MS: '1000' });
      expect(r.code).toBe(0);
      expect(r.ms).toBeLessThan(5000);
      expect(r.stderr).toMatch(/at exit, 3 of 3 events were not delivered/);
    } finally {
      await silent.stop();
    }
  });

  it('a retry waiting on Retry-After: 10 is cut short by the exit deadline', async () => {
    const proxy = await startProxy(srv.url, 1000, 503, '10');
    try {
      const r = await runApp('natural', { KEY: srv.key, URL: proxy.url, EXIT_MS: '500' }, undefined, 20_000);
      expect(r.code).toBe(0);
      expect(r.ms).toBeLessThan(4000);
      expect(r.stderr).toMatch(/abandoned at exit/);
    } finally {
      await proxy.stop();
    }
  });

  it('a crash with a server that never answers: still crashes, in bounded time', async () => {
    const silent = await startSilentServer();
    try {
      const r = await runApp('crash', { KEY: srv.key, URL: silent.url, EXIT_MS: '1000' });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('kaboom');
      expect(r.ms).toBeLessThan(5000);
    } finally {
      await silent.stop();
    }
  });
});
