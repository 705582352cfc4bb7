// The hot path's wait for the compactor's turn at the write lock keeps the process alive: a
// script writing through the store with nothing else to do (an import) must not exit mid-write.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

test('waiting for the turn holds the event loop until the turn is given back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-turn-'));
  try {
    const script = join(dir, 'wait.mts');
    writeFileSync(script, `
      import { WriteTurn } from ${JSON.stringify(join(REPO, 'src/store/sqlite/compactor.ts'))};
      const turn = new WriteTurn();
      turn.raise();
      // the only other thing pending: a timer that holds no reference, as a worker's release would be
      setTimeout(() => turn.lower(), 300).unref();
      await turn.yielded();
      console.log('yielded');
    `);
    const r = spawnSync(process.execPath, [join(REPO, 'bin/run-ts.js'), script], { encoding: 'utf8', timeout: 20_000 });
    expect({ status: r.status, out: r.stdout.trim() }).toEqual({ status: 0, out: 'yielded' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
