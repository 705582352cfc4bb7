// `loupe retention get | set --days N|none`: a project's retention, straight in the database (no
// server needed; the store is opened `shared`, beside a running server), or through a server
// (--url, --key: the key's own project, admin scope). A running server's purge reads the setting
// from the database at every pass, so a change made here takes effect at its next pass (within a
// minute by default).
import { openStore } from '../store/open.js';
import { MAX_RETENTION_DAYS, RETENTION_SETTINGS_KEY, RetentionPatch, RetentionSettings, retentionFrom } from '../store/retention.js';
import { check, serverFetch, remote } from './remote.js';

const USAGE = `usage: loupe retention get [--project NAME] [--data-dir DIR | --db URL | --url URL --key KEY]
       loupe retention set --days N|none [--project NAME] [--data-dir DIR | --db URL | --url URL --key KEY]
  N: whole days from 1 to ${MAX_RETENTION_DAYS}; none keeps everything (the default)
`;

export interface RetentionOptions {
  dataDir: string;
  dbUrl?: string;
  project?: string;
  days?: string;
  url?: string;
  key?: string;
}

const describe = (days: number | null) => (days === null ? 'none (traces are kept forever)' : `${days} days`);

export async function retentionCommand(args: string[], o: RetentionOptions): Promise<number> {
  const [sub] = args;
  if ((sub !== 'get' && sub !== 'set') || args.length !== 1 || (sub === 'set' && o.days === undefined)) {
    process.stderr.write(USAGE);
    return 1;
  }
  let days: number | null = null;
  if (sub === 'set') {
    const raw = o.days!.trim();
    const parsed = RetentionPatch.safeParse({ days: raw === 'none' ? null : /^\d+$/.test(raw) ? Number(raw) : NaN });
    if (!parsed.success) {
      process.stderr.write(`--days: expected a whole number from 1 to ${MAX_RETENTION_DAYS}, or none (got "${o.days}")\n`);
      return 1;
    }
    days = parsed.data.days;
  }
  const r = remote(o);
  if (r) {
    const res = await check(await serverFetch(`${r.url}/api/v1/project/retention`, sub === 'get' ? { headers: { 'x-api-key': r.key } } : {
      method: 'PUT', headers: { 'x-api-key': r.key, 'content-type': 'application/json' }, body: JSON.stringify({ days }),
    }));
    process.stdout.write(`retention ${describe(RetentionSettings.parse(await res.json()).days)}\n`);
    return 0;
  }
  const name = o.project ?? 'default';
  const store = await openStore({ dataDir: o.dataDir, dbUrl: o.dbUrl, access: 'shared' });
  try {
    const project = await store.findProject(name);
    if (!project) {
      process.stderr.write(`no project "${name}"\n`);
      return 1;
    }
    if (sub === 'get') {
      process.stdout.write(`${project.name}: retention ${describe(retentionFrom(project.settings).days)}\n`);
      return 0;
    }
    const settings = await store.updateProjectSettings(project.id, { [RETENTION_SETTINGS_KEY]: { days } });
    process.stdout.write(`${project.name}: retention ${describe(retentionFrom(settings).days)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
