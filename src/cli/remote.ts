// Talking to a running server from the CLI: the base URL and the key (given, or the admin key
// the first start wrote into the data directory).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { adminKeyPath } from '../server/index.js';

export interface Remote {
  url: string;
  key: string;
}

export function remote(o: { url?: string; key?: string; dataDir: string }): Remote | undefined {
  if (!o.url) return undefined;
  return { url: o.url.replace(/\/+$/, ''), key: o.key ?? adminKeyFrom(o.dataDir) };
}

/**
 * The admin key the server's first start saved in its data directory. When it is not there the
 * message says where it looked (a relative --data-dir is from the current directory, which is the
 * usual surprise) and the two ways out.
 */
export function adminKeyFrom(dataDir: string): string {
  const found = adminKeyPath(dataDir);
  if (!found) {
    throw new Error(`no --key given and no admin key file at ${resolve(dataDir, 'admin-key.txt')}.\n` +
      'Pass --data-dir DIR of the server (its first start writes DIR/admin-key.txt), or --key KEY; to make a key:\n' +
      `  loupe keys create --project default --scopes admin,ingest,read --data-dir ${dataDir}`);
  }
  const file = resolve(found);
  const key = readFileSync(file, 'utf8').trim();
  if (!key) throw new Error(`${file} is empty: pass --key KEY, or make a key with loupe keys create --project default --scopes admin,ingest,read`);
  return key;
}

/**
 * fetch, with a failure to connect said as what it is: which server was tried and what to check,
 * instead of undici's bare "fetch failed".
 */
export async function serverFetch(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    const cause = (e as TypeError & { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? e.message;
    throw new Error(`cannot reach a Loupe server at ${new URL(url).origin} (${why}).\n` +
      'Is it running (loupe serve, or npm start in the checkout)? For another server pass --url URL.');
  }
}

/** Fails with the server's error message when the answer is not 2xx. */
export async function check(res: Response): Promise<Response> {
  if (res.ok) return res;
  const text = await res.text();
  let msg = text;
  try {
    msg = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
  } catch {
    // not JSON: keep the text
  }
  throw new Error(`server answered ${res.status}: ${msg}`);
}

/** `key=value` arguments as a query object (repeated keys keep every value, like a query string). */
export function queryFromArgs(args: string[]): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`filters are key=value (e.g. status=error environment=production); got "${a}"`);
    const k = a.slice(0, eq);
    const v = a.slice(eq + 1);
    const prev = q[k];
    q[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return q;
}

export function toSearchParams(q: Record<string, string | string[]>): URLSearchParams {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) for (const x of Array.isArray(v) ? v : [v]) sp.append(k, x);
  return sp;
}
