// vitest global setup for the browser tests: the dashboard is built by `npm install` (prepare);
// a checkout whose web/dist is missing or older than what it is built from is built again here.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/cli.js';
import { newestMtime } from '../helpers/mtimes.js';

export default function setup(): void {
  const index = join(REPO, 'web', 'dist', 'index.html');
  // What the build is made of: the sources, the page, the public files, the config, the packages.
  const inputs = Math.max(
    newestMtime(join(REPO, 'web', 'src')), newestMtime(join(REPO, 'web', 'public')),
    ...['web/index.html', 'web/vite.config.ts', 'package-lock.json'].map((f) => statSync(join(REPO, f)).mtimeMs),
  );
  const stale = !existsSync(index) || statSync(index).mtimeMs < inputs;
  if (stale) execFileSync(process.execPath, [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    cwd: REPO, stdio: 'inherit',
    // vitest sets NODE_ENV=test, which Vite would take for a development React bundle (675 KB, not 392)
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
