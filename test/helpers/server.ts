// Test helpers: a real Loupe server on an ephemeral port with a temp data dir, and a small
// fetch wrapper that returns status, headers and the parsed body.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServerConfig } from '../../src/server/index.js';
import { createKey } from '../../src/server/keys.js';
import type { Scope } from '../../src/model/enums.js';

export interface TestServer {
  server: RunningServer;
  url: string;
  dir: string;
  /** The admin key of project `default` (admin, ingest, read). */
  key: string;
  /** Creates a key for a project (made if needed) with these scopes. */
  keyFor(project: string, scopes: Scope[]): Promise<string>;
  close(): Promise<void>;
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `loupe-${tag}-`));
}

export async function startTestServer(tag: string, extra: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dir = tempDir(tag);
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, ...extra });
  const key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
  return {
    server,
    url: server.url,
    dir,
    key,
    async keyFor(project, scopes) {
      const p = await server.store.ensureProject(project);
      return (await createKey(server.store, p.id, scopes)).key;
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else undefined. */
  json: T;
  raw: Buffer;
}

export interface CallOptions {
  key?: string;
  method?: string;
  /** An object is sent as JSON; a Buffer/Uint8Array/string as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export async function call<T = any>(base: string, path: string, o: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(o.key ? { 'x-api-key': o.key } : {}), ...o.headers };
  let body: RequestInit['body'];
  if (o.body instanceof Uint8Array || typeof o.body === 'string') body = o.body as RequestInit['body'];
  else if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method: o.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const raw = Buffer.from(await res.arrayBuffer());
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, headers: res.headers, json: (isJson && raw.length ? JSON.parse(raw.toString('utf8')) : undefined) as T, raw };
}

/** Query string from pairs (repeatable keys allowed). */
export function qs(pairs: Array<[string, string | number]>): string {
  if (!pairs.length) return '';
  return `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
}
