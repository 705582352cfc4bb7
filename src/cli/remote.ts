// Talking to a running server from the CLI: the base URL and the key (given, or the admin key
// the first start wrote into the data directory).
import { readFileSync } from 'node:fs';
import { adminKeyPath } from '../server/index.js';

export interface Remote {
  url: string;
  key: string;
}

export function remote(o: { url?: string; key?: string; dataDir: string }): Remote | undefined {
  if (!o.url) return undefined;
  const file = o.key ? undefined : adminKeyPath(o.dataDir);
  const key = o.key ?? (file ? readFileSync(file, 'utf8').trim() : undefined);
  if (!key) throw new Error(`--url needs --key KEY (or an admin key in ${o.dataDir})`);
  return { url: o.url.replace(/\/+$/, ''), key };
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
