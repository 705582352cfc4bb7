// Whether a build is stale: the newest and the oldest modification time of the files under a
// directory (the global setups rebuild the dashboard and the SDK when their sources are newer).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function fold(dir: string, pick: (a: number, b: number) => number, start: number): number {
  let t = start;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = pick(t, e.isDirectory() ? fold(p, pick, start) : statSync(p).mtimeMs);
  }
  return t;
}

export const newestMtime = (dir: string): number => fold(dir, Math.max, 0);
export const oldestMtime = (dir: string): number => fold(dir, Math.min, Infinity);
