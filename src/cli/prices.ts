// `loupe prices list [--model NAME]` and `loupe prices set --model PATTERN --input P --output P
// [--cache-read P] [--from ISO]`: a project's model prices, in the database (--data-dir/--db,
// --project) or through a server (--url, --key). Prices are USD per token; `2.5/1M` is accepted
// for per million. A running server sees a change made directly in the database within 30 s;
// the change is a transaction of its own, which SQLite keeps safe beside the server's writes.
import { openStore } from '../store/open.js';
import { BUILTIN_PRICES } from '../cost/prices.js';
import { PriceTable, normalizeModel } from '../cost/match.js';
import type { ModelPrice } from '../cost/types.js';
import { isoFromMicros, microsFromIso, microsFromMillis } from '../model/time.js';
import { check, serverFetch, remote } from './remote.js';

export interface PricesOptions {
  dataDir: string;
  dbUrl?: string;
  project?: string;
  url?: string;
  key?: string;
  model?: string;
  input?: string;
  output?: string;
  cacheRead?: string;
  from?: string;
}

const USAGE = 'usage: loupe prices list [--model NAME] | prices set --model PATTERN --input USD --output USD [--cache-read USD] [--from ISO]\n'
  + '  prices are USD per token, or per million written as 2.5/1M; [--project NAME] [--data-dir DIR | --db URL | --url URL --key KEY]\n';

/** `0.0000025` (per token) or `2.5/1M` (per million tokens). */
export function parsePrice(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?(?:e-?\d+)?)\s*(?:\/\s*(1?m|1000000))?\s*$/i.exec(s);
  if (!m) throw new Error(`${flag}: expected a price like 0.0000025 or 2.5/1M, got "${s}"`);
  const v = Number(m[1]);
  return m[2] ? v / 1_000_000 : v;
}

const show = (p: ModelPrice & { source?: string }) =>
  `${p.modelPattern.padEnd(28)} in ${String(p.inputPrice * 1e6).padStart(8)}/1M  out ${String(p.outputPrice * 1e6).padStart(8)}/1M  cache ${p.cacheReadPrice === undefined ? '       -' : String(p.cacheReadPrice * 1e6).padStart(8)}/1M  from ${isoFromMicros(p.effectiveFrom).slice(0, 10)}${p.source ? `  (${p.source})` : ''}\n`;

export async function pricesCommand(args: string[], o: PricesOptions): Promise<number> {
  const sub = args[0];
  if (sub !== 'list' && sub !== 'set') {
    process.stderr.write(USAGE);
    return 1;
  }
  const r = remote(o);
  let entry: ModelPrice | undefined;
  if (sub === 'set') {
    const input = parsePrice(o.input, '--input');
    const output = parsePrice(o.output, '--output');
    if (!o.model || input === undefined || output === undefined) {
      process.stderr.write(USAGE);
      return 1;
    }
    const from = o.from === undefined ? 0 : microsFromIso(o.from);
    if (from === undefined) throw new Error(`--from: not an ISO 8601 time: ${o.from}`);
    entry = { modelPattern: normalizeModel(o.model), inputPrice: input, outputPrice: output, cacheReadPrice: parsePrice(o.cacheRead, '--cache-read'), effectiveFrom: from };
  }

  if (r) {
    if (entry) {
      await check(await serverFetch(`${r.url}/api/v1/prices`, {
        method: 'PUT',
        headers: { 'x-api-key': r.key, 'content-type': 'application/json' },
        body: JSON.stringify({ prices: [{ ...entry, effectiveFrom: isoFromMicros(entry.effectiveFrom) }] }),
      }));
      process.stdout.write(show(entry));
      return 0;
    }
    const res = await check(await serverFetch(`${r.url}/api/v1/prices${o.model ? `?model=${encodeURIComponent(o.model)}` : ''}`, { headers: { 'x-api-key': r.key } }));
    const body = (await res.json()) as { data: Array<{ modelPattern: string; inputPrice: number; outputPrice: number; cacheReadPrice: number | null; effectiveFrom: string }>; match?: { price: null | { modelPattern: string; inputPrice: number; outputPrice: number; cacheReadPrice: number | null; effectiveFrom: string; source: string } } };
    const fromWire = (p: { modelPattern: string; inputPrice: number; outputPrice: number; cacheReadPrice: number | null; effectiveFrom: string }): ModelPrice =>
      ({ ...p, cacheReadPrice: p.cacheReadPrice ?? undefined, effectiveFrom: microsFromIso(p.effectiveFrom) ?? 0 });
    if (o.model) {
      process.stdout.write(body.match?.price ? show({ ...fromWire(body.match.price), source: body.match.price.source }) : `no price for ${o.model}\n`);
      return body.match?.price ? 0 : 1;
    }
    for (const p of body.data) process.stdout.write(show({ ...fromWire(p), source: 'project' }));
    return 0;
  }

  const store = await openStore({ dataDir: o.dataDir, dbUrl: o.dbUrl, access: 'shared' });
  try {
    const project = await store.ensureProject(o.project ?? 'default');
    if (entry) {
      await store.putPrices(project.id, [entry]);
      process.stdout.write(show(entry));
      return 0;
    }
    const own = await store.listPrices(project.id);
    if (o.model) {
      const p = new PriceTable(BUILTIN_PRICES, own).lookup(o.model, microsFromMillis(Date.now()));
      process.stdout.write(p ? show(p) : `no price for ${o.model}\n`);
      return p ? 0 : 1;
    }
    for (const p of own) process.stdout.write(show({ ...p, source: 'project' }));
    if (!own.length) process.stdout.write('(no project prices; the built-in table applies: GET /api/v1/prices lists it)\n');
    return 0;
  } finally {
    await store.close();
  }
}
