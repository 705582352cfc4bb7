// vitest global setup: the SDK's tests import the built package (`@loupe/sdk` → dist/), which
// `npm install` builds (prepare). A checkout whose dist is missing or older than its sources is
// built again here, so the tests always run the current code.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(SDK, '..', '..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function oldest(dir: string): number {
  let t = Infinity;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.min(t, e.isDirectory() ? oldest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const dist = join(SDK, 'dist');
  const inputs = Math.max(newest(join(SDK, 'src')), statSync(join(SDK, 'tsconfig.json')).mtimeMs, statSync(join(SDK, 'package.json')).mtimeMs);
  // tsc rewrites every output, so the oldest output is when the last build ran.
  const stale = !existsSync(join(dist, 'index.js')) || oldest(dist) < inputs;
  if (stale) execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(SDK, 'tsconfig.json')], { cwd: REPO, stdio: 'inherit' });
}
