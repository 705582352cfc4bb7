// `loupe import file.jsonl` (or `-` for stdin): lines written by `loupe export`, streamed line by
// line through the native ingest path into the database (--data-dir/--db, --project), or posted
// in chunks to a server's POST /api/v1/import (--url, --key). Exported costs are kept as they are.
// Into the database it takes the writer lock: beside a running server it is refused (use --url).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { DatabaseInUseError, openStore } from '../store/open.js';
import { Writer } from '../store/writer.js';
import { Pipeline } from '../ingest/pipeline.js';
import { importLines, type ImportSummary } from '../export/import.js';
import { microsFromMillis } from '../model/time.js';
import type { Rejection } from '../model/batch.js';
import { check, serverFetch, remote, type Remote } from './remote.js';

const CHUNK_BYTES = 4 * 1024 * 1024;

async function viaServer(r: Remote, lines: AsyncIterable<string>): Promise<ImportSummary> {
  const summary: ImportSummary = { lines: 0, items: 0, rejected: [] };
  let chunk: string[] = [];
  let size = 0;
  let offset = 0;
  const send = async () => {
    if (!chunk.length) return;
    const post = () => serverFetch(`${r.url}/api/v1/import`, {
      method: 'POST',
      headers: { 'x-api-key': r.key, 'content-type': 'application/x-ndjson' },
      body: chunk.join('\n'),
    });
    let answer = await post();
    // A server that is behind (its compaction backlog, its bytes in flight) refuses a chunk before
    // storing any of it: wait as it says and send the chunk again, rather than stop mid-file.
    while (answer.status === 503 || answer.status === 429) {
      await answer.arrayBuffer();
      const wait = Number(answer.headers.get('retry-after'));
      await new Promise((resolve) => setTimeout(resolve, (Number.isFinite(wait) && wait > 0 ? Math.min(wait, 30) : 1) * 1000));
      answer = await post();
    }
    const res = await check(answer);
    const body = (await res.json()) as { lines: number; accepted: number; rejected: Rejection[] };
    summary.items += body.accepted;
    // The server numbers lines within the chunk: shift to lines of the file.
    for (const x of body.rejected) summary.rejected.push({ item: x.item.replace(/^line (\d+)/, (_, n: string) => `line ${Number(n) + offset}`), message: x.message });
    offset = summary.lines;
    chunk = [];
    size = 0;
  };
  for await (const line of lines) {
    summary.lines++;
    chunk.push(line);
    size += line.length + 1;
    if (size >= CHUNK_BYTES) await send();
  }
  await send();
  return summary;
}

export async function importCommand(args: string[], o: { dataDir: string; dbUrl?: string; project?: string; url?: string; key?: string }): Promise<number> {
  const file = args[0];
  if (!file) {
    process.stderr.write('usage: loupe import FILE.jsonl|- [--project NAME] [--data-dir DIR | --db URL | --url URL --key KEY]\n');
    return 1;
  }
  const lines = createInterface({ input: file === '-' ? process.stdin : createReadStream(file), crlfDelay: Infinity });
  const r = remote(o);
  let summary: ImportSummary;
  if (r) {
    summary = await viaServer(r, lines);
  } else {
    // The writer's access: the write path must be the file's only one, so beside a running server
    // (or another import) this is refused, and the way through the server is named.
    const store = await openStore({ dataDir: o.dataDir, dbUrl: o.dbUrl }).catch((e: unknown) => {
      if (!(e instanceof DatabaseInUseError)) throw e;
      throw new Error(`${e.message}.\nImport through the running server instead: loupe import ${file} --url http://HOST:PORT (with --key KEY, or the admin key in ${o.dataDir})`);
    });
    const writer = new Writer(store);
    try {
      const project = await store.ensureProject(o.project ?? 'default');
      const pipeline = new Pipeline(writer);
      const receivedAt = microsFromMillis(Date.now());
      summary = await importLines(lines, async (result) => {
        await pipeline.ingest(project.id, result, receivedAt, { computeCost: false, waitForRoom: true });
      }, { receivedAt });
    } finally {
      await writer.close();
      await store.close();
    }
  }
  for (const x of summary.rejected.slice(0, 20)) process.stderr.write(`rejected ${x.item}: ${x.message}\n`);
  if (summary.rejected.length > 20) process.stderr.write(`… and ${summary.rejected.length - 20} more\n`);
  process.stderr.write(`imported ${summary.items} items from ${summary.lines} lines${summary.rejected.length ? `, ${summary.rejected.length} rejected` : ''}\n`);
  return summary.rejected.length ? 1 : 0;
}
