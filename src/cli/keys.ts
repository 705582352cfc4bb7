// `loupe keys create --project NAME --scopes ingest,read`: prints only the new key on stdout. It
// writes two rows in their own transactions, which SQLite keeps safe beside a running server.
import { z } from 'zod';
import { Scope } from '../model/enums.js';
import { createKey } from '../server/keys.js';
import { openStore } from '../store/open.js';

export async function keys(args: string[], o: { dataDir: string; dbUrl?: string; project?: string; scopes?: string; name?: string }): Promise<number> {
  if (args[0] !== 'create') {
    process.stderr.write('usage: loupe keys create --project NAME [--scopes ingest,read] [--name TEXT] [--data-dir DIR | --db URL]\n');
    return 1;
  }
  if (!o.project) {
    process.stderr.write('--project NAME is required\n');
    return 1;
  }
  const scopes = z.array(Scope).min(1).safeParse((o.scopes ?? 'ingest,read').split(',').map((s) => s.trim()).filter(Boolean));
  if (!scopes.success) {
    process.stderr.write(`--scopes must list ingest, read or admin (got "${o.scopes}")\n`);
    return 1;
  }
  const store = await openStore({ dataDir: o.dataDir, dbUrl: o.dbUrl, access: 'shared' });
  try {
    const project = await store.ensureProject(o.project);
    const { key } = await createKey(store, project.id, scopes.data, o.name ?? null);
    process.stdout.write(`${key}\n`);
  } finally {
    await store.close();
  }
  return 0;
}
