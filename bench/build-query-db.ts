// Builds (once) the full run's query database, bench/data/query-full: `node bin/run-ts.js bench/build-query-db.ts`.
import { join } from 'node:path';
import { ensureQueryDb } from './lib/query-db.js';
const ROOT = new URL('../', import.meta.url).pathname;
const meta = await ensureQueryDb(join(ROOT, 'bench/data/query-full'), 1_000_000, 10, (s) => process.stderr.write(`${s}\n`));
process.stderr.write(`${JSON.stringify(meta)}\n`);
