// `loupe keys create | list | revoke`, straight against the database (no server needed). Each is a
// few small transactions of its own, which SQLite keeps safe beside a running server (the store is
// opened `shared`, without the writer lock). A running server stops accepting a revoked key within
// a second (its key cache lives one second: src/server/auth.ts).
import { z } from 'zod';
import { Scope } from '../model/enums.js';
import { createKey } from '../server/keys.js';
import { openStore } from '../store/open.js';
import type { ApiKeyInfo, Store } from '../store/store.js';

const USAGE = `usage: loupe keys create --project NAME [--scopes ingest,read] [--name TEXT] [--data-dir DIR | --db URL]
       loupe keys list [--project NAME] [--data-dir DIR | --db URL]
       loupe keys revoke ID [--project NAME] [--data-dir DIR | --db URL]
`;

interface KeysOptions { dataDir: string; dbUrl?: string; project?: string; scopes?: string; name?: string }

export async function keys(args: string[], o: KeysOptions): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    process.stderr.write(USAGE);
    return 1;
  }
  if (sub === 'create' && !o.project) {
    process.stderr.write('loupe keys create: --project NAME is required (the first start made "default"; loupe help keys lists the options)\n');
    return 1;
  }
  if (sub === 'revoke' && rest.length !== 1) {
    process.stderr.write('keys revoke takes one key ID (see loupe keys list)\n');
    return 1;
  }
  let scopes: Scope[] = [];
  if (sub === 'create') {
    const parsed = z.array(Scope).min(1).safeParse((o.scopes ?? 'ingest,read').split(',').map((s) => s.trim()).filter(Boolean));
    if (!parsed.success) {
      process.stderr.write(`--scopes must list ingest, read or admin (got "${o.scopes}")\n`);
      return 1;
    }
    scopes = parsed.data;
  }
  const store = await openStore({ dataDir: o.dataDir, dbUrl: o.dbUrl, access: 'shared' });
  try {
    if (sub === 'create') {
      const project = await store.ensureProject(o.project!);
      const { key } = await createKey(store, project.id, scopes, o.name ?? null);
      process.stdout.write(`${key}\n`);
      return 0;
    }
    let projectId: number | undefined;
    if (o.project !== undefined) {
      const project = await store.findProject(o.project);
      if (!project) {
        process.stderr.write(`no project "${o.project}"\n`);
        return 1;
      }
      projectId = project.id;
    }
    return sub === 'list' ? await list(store, projectId) : await revoke(store, rest[0], projectId);
  } finally {
    await store.close();
  }
}

async function list(store: Store, projectId: number | undefined): Promise<number> {
  const rows = (await store.listApiKeys(projectId)).map((k: ApiKeyInfo) => [
    k.id, k.name ?? '-', `${k.prefix}…`, k.projectName, k.scopes.join(','), k.createdAt, k.lastUsedAt ?? 'never', k.revokedAt ?? '-',
  ]);
  const header = ['ID', 'NAME', 'PREFIX', 'PROJECT', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
  return 0;
}

async function revoke(store: Store, id: string, projectId: number | undefined): Promise<number> {
  const result = await store.revokeApiKey(id, projectId);
  switch (result) {
    case 'revoked':
      process.stderr.write(`revoked ${id}: servers refuse it within a second\n`);
      return 0;
    case 'already_revoked':
      process.stderr.write(`${id} was already revoked\n`);
      return 0;
    case 'not_found':
      process.stderr.write(`no key ${id}${projectId === undefined ? '' : ' in that project'} (see loupe keys list)\n`);
      return 1;
    case 'last_admin':
      process.stderr.write(`refused: ${id} is the last admin key of its project; create another admin key first (loupe keys create --scopes admin,ingest,read)\n`);
      return 1;
  }
}
