// The CLI explains itself: help in every spelling exits 0 on stdout; a wrong command, option or
// number is refused before anything runs (exit 1, like the CLI's other refusals) with what would
// have been accepted; a server it cannot reach or a key file it cannot find is named, with what to do.
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { run } from '../helpers/cli.js';
import { tempDir } from '../helpers/server.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const COMMANDS = ['serve', 'keys', 'demo', 'export', 'import', 'prices', 'retention'];

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('loupe help', () => {
  test.each([[[]], [['--help']], [['-h']], [['help']]])('loupe %j prints every command and exits 0', async (args) => {
    const r = await run(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: loupe <command>/);
    for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c}`);
    expect(r.stdout).toContain('/openapi.json');
    expect(r.stderr).toBe('');
  });

  test.each(COMMANDS)('loupe help %s and loupe %s --help print that command and exit 0', async (command) => {
    const a = await run(['help', command]);
    const b = await run([command, '--help']);
    for (const r of [a, b]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: loupe ${command} `));
      expect(r.stderr).toBe('');
    }
    expect(b.stdout).toBe(a.stdout);
    expect((await run([command, '-h'])).stdout).toBe(a.stdout);
  });
});

describe('refusals before anything runs', () => {
  test('an unknown command names the commands', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown command "frobnicate"');
    for (const c of COMMANDS) expect(r.stderr).toContain(c);
    expect(r.stdout).toBe('');
    expect((await run(['help', 'frobnicate'])).code).toBe(1);
  });

  test('an option a command does not take is refused, naming the ones it does', async () => {
    const r = await run(['serve', '--prot', '4318']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown option --prot');
    expect(r.stderr).toContain('--host, --port, --grpc-port, --data-dir, --db');
    expect(r.stderr).toContain('loupe help serve');
    // an option of another command is unknown here too
    const k = await run(['keys', 'list', '--traces', '5']);
    expect(k.code).toBe(1);
    expect(k.stderr).toContain('unknown option --traces');
    expect(k.stderr).toContain('--project');
  });

  test.each([
    [['serve', '--port', 'abc'], '--port must be a whole number from 0 to 65535 (got "abc")'],
    [['serve', '--port', '70000'], '--port must be a whole number from 0 to 65535 (got "70000")'],
    [['serve', '--port=-1'], '--port must be a whole number from 0 to 65535 (got "-1")'],
    [['serve', '--grpc-port', '43.17'], '--grpc-port must be a whole number from 0 to 65535'],
    [['demo', '--traces', 'ten'], '--traces must be a whole number from 1 to 100000 (got "ten")'],
    [['demo', '--traces', '0'], '--traces must be a whole number from 1'],
    [['demo', '--seed', 'x'], '--seed must be a whole number'],
    [['serve', '--port'], 'option --port'],
  ])('loupe %j is refused: %s', async (args, message) => {
    const dir = tempDir('cli-help');
    dirs.push(dir);
    // --data-dir: were a check to let it through, serve would start in a temp dir, not ./data
    const r = await run([args[0], '--data-dir', dir, ...args.slice(1)]);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout).not.toContain('listening');
  });
});

describe('errors that say what to do', () => {
  test('a server that cannot be reached: which URL, is it running, --url', async () => {
    const port = await closedPort();
    const r = await run(['retention', 'get', '--url', `http://127.0.0.1:${port}`, '--key', 'lp_x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach a Loupe server at http://127.0.0.1:${port}`);
    expect(r.stderr).toContain('Is it running');
    expect(r.stderr).toContain('--url');
    expect(r.stderr).not.toContain('fetch failed');
  });

  test('no key file: where it looked and how to make a key', async () => {
    const dir = tempDir('cli-nokey');
    dirs.push(dir);
    const port = await closedPort();
    for (const args of [['demo', '--url', `http://127.0.0.1:${port}`], ['export', '--url', `http://127.0.0.1:${port}`]]) {
      const r = await run([...args, '--data-dir', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`no admin key file at ${join(dir, 'admin-key.txt')}`);
      expect(r.stderr).toContain('loupe keys create');
      expect(r.stderr).toContain('--key');
    }
  });
});
