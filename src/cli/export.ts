// `loupe export [key=value filters…] > file.jsonl`: the trace-list filters, one trace a line on
// stdout. Reads the database directly (--data-dir/--db, --project) or a server (--url, --key);
// either way a page at a time, waiting for stdout to drain.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { openStore } from '../store/open.js';
import { exportLines, parseExportQuery } from '../export/stream.js';
import { check, serverFetch, queryFromArgs, remote, toSearchParams } from './remote.js';

async function write(out: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export async function exportCommand(args: string[], o: { dataDir: string; dbUrl?: string; project?: string; url?: string; key?: string }, out: Writable = process.stdout): Promise<number> {
  const query = queryFromArgs(args);
  const r = remote(o);
  if (r) {
    const res = await check(await serverFetch(`${r.url}/api/v1/export?${toSearchParams(query)}`, { headers: { 'x-api-key': r.key } }));
    if (!res.body) return 0;
    for await (const chunk of res.body) await write(out, chunk as Uint8Array);
    return 0;
  }
  const q = parseExportQuery(query);
  const store = await openStore({ dataDir: o.dataDir, dbUrl: o.dbUrl, access: 'shared' });
  try {
    const project = await store.findProject(o.project ?? 'default');
    if (!project) throw new Error(`no project "${o.project ?? 'default'}" in this database`);
    for await (const line of exportLines(store, project.id, q)) await write(out, line);
  } finally {
    await store.close();
  }
  return 0;
}
