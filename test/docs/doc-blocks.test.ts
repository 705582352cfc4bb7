// Docs that test themselves: every shell block of README.md and docs/*.md that talks to a server
// runs here, with bash, against a real server this test starts on free ports; one test per block,
// named <file>:<line>, in page order (a later block may read what an earlier one sent), one fresh
// server per page.
//
// Which blocks run:
//  - a block runs when, comments left out, it names the server (127.0.0.1:4318 or :4317) or its
//    admin key file (data/admin-key.txt). The rest (npm install, npm test, createdb, synopses
//    without an address) do not talk to a server and are listed as skipped, never run;
//  - a `<!-- doc-test: skip (reason) -->` line right before a block skips it (for blocks that
//    cannot run here: a usage synopsis, a tool not installed); `<!-- doc-test: expect-error -->`
//    runs it without making curl fail on HTTP errors (for a block that shows an error on purpose),
//    and fails unless one of its requests is answered 4xx or 5xx.
//
// How a block runs: in a temp directory whose data/ is the server's data directory (so the page's
// `$(cat data/admin-key.txt)` and `KEY=$(cat data/admin-key.txt)` read the server's admin key, and
// `npx loupe …` without --data-dir reads the server's database), with `set -eo pipefail`, with
// http://127.0.0.1:4318 and 127.0.0.1:4317 replaced by the test server's HTTP and gRPC addresses,
// $KEY set to the admin key, `curl` made to fail on an HTTP error (--fail-with-body), and `npx
// loupe` / `loupe` running this checkout's bin/loupe.js (what `npx loupe` does in the checkout and
// `loupe` after `npm link`).
//
// How output is checked: a `# {…}` comment line (continued on following `#   …` lines) shows the
// output of the commands above it, since the previous such comment; a ```json block right after a
// block (blank lines between, or one paragraph ending in ':' that introduces it) shows the output
// of its last commands. Both are compared by the rule in ./shown.ts: the
// keys and items shown must be in the answer with equal values, `…` stands for anything left out.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { childEnv, LOUPE, REPO } from '../helpers/cli.js';
import { shellBlocks, type DocBlock } from './blocks.js';
import { differences, jsonValues, parseShown } from './shown.js';

// dashboard.md's one block runs `npm start` and vite: no server address, so the rule skips it anyway
const PAGES = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

const TALKS_TO_SERVER = /127\.0\.0\.1:431[78]|data\/admin-key\.txt/;

function withoutComments(script: string): string {
  return script.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '')).join('\n');
}

function prelude(expectError: boolean): string {
  return [
    'set -eo pipefail',
    // an expected error is still checked to be one: curl reports each status on stderr
    expectError ? 'curl() { command curl -w \'%{stderr}doc-test-status %{http_code}\\n\' "$@"; }' : 'curl() { command curl --fail-with-body "$@"; }',
    'npx() { if [ "$1" = loupe ]; then shift; node "$LOUPE_BIN" "$@"; else command npx "$@"; fi; }',
    'loupe() { node "$LOUPE_BIN" "$@"; }',
  ].join('\n');
}

const MARK = '@@doc-test-output@@';

interface Env { cwd: string; url: string; grpcPort: number; key: string }

function fill(script: string, env: Env): string {
  return script
    .replaceAll('http://127.0.0.1:4318', env.url)
    .replaceAll('127.0.0.1:4318', env.url.replace(/^http:\/\//, ''))
    .replaceAll('127.0.0.1:4317', `127.0.0.1:${env.grpcPort}`);
}

function runBash(script: string, env: Env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', script], {
    cwd: env.cwd,
    env: { ...childEnv(), KEY: env.key, LOUPE_BIN: LOUPE },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function check(block: DocBlock, env: Env): Promise<void> {
  const expectError = block.marker?.kind === 'expect-error';
  const script = [prelude(expectError), ...block.segments.map((s) => `${fill(s.script, env)}\nprintf '\\n${MARK}\\n'`)].join('\n');
  const r = await runBash(script, env);
  const where = `${block.file}:${block.line}`;
  expect(r.code, `${where} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  if (expectError) expect(r.stderr, `${where} is marked expect-error but no request failed`).toMatch(/doc-test-status [45]\d\d/);
  const outputs = r.stdout.split(`\n${MARK}\n`);
  block.segments.forEach((s, i) => {
    if (!s.expected) return;
    const values = jsonValues(outputs[i] ?? '');
    const shown = parseShown(s.expected.text);
    expect(values.length, `${block.file}:${s.expected.line} shows output, the commands printed no JSON:\n${outputs[i]}`).toBeGreaterThan(0);
    const diff = differences(shown, values[values.length - 1]);
    expect(diff, `${block.file}:${s.expected.line} shows what the server does not answer:\n${outputs[i]}`).toEqual([]);
  });
}

for (const page of PAGES) {
  const blocks = shellBlocks(page, readFileSync(join(REPO, page), 'utf8'));
  if (!blocks.length) continue;
  describe(page, () => {
    let server: RunningServer;
    let env: Env;
    let cwd: string;
    beforeAll(async () => {
      cwd = mkdtempSync(join(tmpdir(), 'loupe-docs-'));
      server = await startServer({ host: '127.0.0.1', port: 0, grpcPort: 0, dataDir: join(cwd, 'data') });
      env = { cwd, url: server.url, grpcPort: server.grpcPort!, key: readFileSync(join(cwd, 'data', 'admin-key.txt'), 'utf8').trim() };
    });
    afterAll(async () => {
      await server?.close();
      if (cwd) rmSync(cwd, { recursive: true, force: true });
    });
    for (const block of blocks) {
      const name = `${block.file}:${block.line}`;
      if (block.marker?.kind === 'skip') test.skip(`${name} (skip: ${block.marker.reason})`, () => {});
      else if (!TALKS_TO_SERVER.test(withoutComments(block.script))) test.skip(`${name} (does not talk to a server)`, () => {});
      else test(name, () => check(block, env), 180_000);
    }
  });
}
