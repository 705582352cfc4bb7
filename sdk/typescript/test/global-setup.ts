// vitest global setup: the SDK's tests import the built package (`@loupe/sdk` → dist/), which
// `npm install` builds (prepare). A checkout whose dist is missing or older than its sources is
// built again here, so the tests always run the current code.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime, oldestMtime } from '../../../test/helpers/mtimes.js';

const SDK = join(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = join(SDK, '..', '..');

export default function setup(): void {
  const dist = join(SDK, 'dist');
  const inputs = Math.max(newestMtime(join(SDK, 'src')), statSync(join(SDK, 'tsconfig.json')).mtimeMs, statSync(join(SDK, 'package.json')).mtimeMs);
  // tsc rewrites every output, so the oldest output is when the last build ran.
  const stale = !existsSync(join(dist, 'index.js')) || oldestMtime(dist) < inputs;
  if (stale) execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(SDK, 'tsconfig.json')], { cwd: REPO, stdio: 'inherit' });
}
