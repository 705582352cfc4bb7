// The web dashboard, served beside the API from its build output (web/dist, made by
// `npm run build:web`): index.html for the client-side routes, the hashed files in assets/ cached
// for good. No key is needed here: the page asks the user for one and sends it with its API calls.
// These are not API operations, so they are registered on their own and stay out of /openapi.json.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The paths the dashboard's router answers in the browser; each is index.html on the server. */
export const DASHBOARD_PAGES = ['/', '/traces', '/traces/*', '/login', '/settings', '/settings/*', '/sessions', '/sessions/*', '/users', '/users/*', '/metrics'] as const;

/** Vite names every file in assets/ by its content hash: a changed file is a new URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current assets, so the browser must ask again each time (it may keep a copy). */
const REVALIDATE = 'no-cache';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * `<repo>/web/dist`, found from this file: src/server/ when run from source (tsx), or
 * dist/src/server/ after `npm run build` (tsc keeps the src/ level under dist/).
 */
export function defaultWebDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = here.endsWith(join('dist', 'src', 'server'));
  return resolve(here, compiled ? '../../..' : '../..', 'web', 'dist');
}

/** The option when given, else LOUPE_WEB_DIR, else the repository's web/dist. */
export function resolveWebDir(option?: string): string {
  const env = process.env.LOUPE_WEB_DIR?.trim();
  return resolve(option ?? (env || defaultWebDir()));
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Loupe: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The dashboard is not built</h1>
<p>Run <code>npm run build:web</code> in the Loupe directory (it runs <code>vite build</code> into <code>web/dist</code>), then reload this page.</p>
<p>The API works without it: see <a href="/openapi.json">/openapi.json</a>.</p>
</body></html>
`;

/** Headers every dashboard answer carries: no type sniffing, and no framing of a page that holds a key. */
function baseHeaders(reply: FastifyReply): FastifyReply {
  return reply.header('x-content-type-options', 'nosniff').header('x-frame-options', 'DENY');
}

async function sendIndex(reply: FastifyReply, dir: string): Promise<FastifyReply> {
  let html: Buffer;
  try {
    // Read on every request (it is small): a rebuild shows without restarting the server.
    html = await readFile(join(dir, 'index.html'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return baseHeaders(reply).code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
  }
  return baseHeaders(reply).header('cache-control', REVALIDATE).type('text/html; charset=utf-8').send(html);
}

/**
 * A regular file inside `root`, or undefined: `rel` arrives URL-decoded, so `..`, `%2e%2e%2f` and
 * absolute paths are resolved first and refused unless they stay under `root`. (Symbolic links in
 * the build are followed: it is our own output, and Vite makes none.)
 */
async function fileUnder(root: string, rel: string): Promise<{ path: string; size: number; mtimeMs: number } | undefined> {
  if (!rel || rel.includes('\0')) return undefined;
  const path = resolve(root, rel);
  if (!path.startsWith(root + sep)) return undefined;
  try {
    const st = await stat(path);
    return st.isFile() ? { path, size: st.size, mtimeMs: st.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** Text that compresses (the bundle is ~370 KB of JavaScript, ~115 KB gzipped). Source maps are
 * left out: only developer tools fetch them, and they are the largest files. */
const COMPRESSIBLE = /^(text\/|application\/(json|wasm)|image\/svg)/;

const gzipAsync = promisify(gzip);

/**
 * Gzipped assets by path, for the modification time they were made from: compressed once, off the
 * event loop, and replaced (not added to) when a rebuild changes the file.
 */
const gzipped = new Map<string, { mtimeMs: number; body: Promise<Buffer> }>();

function gzipOf(path: string, mtimeMs: number): Promise<Buffer> {
  const hit = gzipped.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.body;
  const body = readFile(path).then((raw) => gzipAsync(raw, { level: 9 }));
  gzipped.set(path, { mtimeMs, body });
  body.catch(() => gzipped.delete(path));
  return body;
}

function acceptsGzip(req: FastifyRequest): boolean {
  const accept = req.headers['accept-encoding'];
  return typeof accept === 'string' && /\bgzip\b/.test(accept);
}

async function sendFile(req: FastifyRequest, reply: FastifyReply, root: string, rel: string, cacheControl: string): Promise<FastifyReply> {
  const file = await fileUnder(root, rel);
  // The app's not-found handler: the same JSON 404 as any unknown path.
  if (!file) {
    reply.callNotFound();
    return reply;
  }
  const type = contentTypeOf(file.path);
  baseHeaders(reply).header('cache-control', cacheControl).header('vary', 'accept-encoding').type(type);
  if (COMPRESSIBLE.test(type) && !file.path.endsWith('.map') && acceptsGzip(req)) {
    const gz = await gzipOf(file.path, file.mtimeMs);
    return reply.header('content-encoding', 'gzip').header('content-length', gz.length).send(gz);
  }
  reply.header('content-length', file.size);
  // HEAD too: Fastify's HEAD route drains the stream and sends the headers alone.
  return reply.send(createReadStream(file.path));
}

/** Registers the dashboard's routes on `app`, serving the build in `webDir`. */
export function registerDashboard(app: FastifyInstance, webDir: string): void {
  const dir = resolve(webDir);
  const assets = join(dir, 'assets');
  for (const url of DASHBOARD_PAGES) app.get(url, async (_req, reply) => sendIndex(reply, dir));
  app.get('/assets/*', async (req, reply) => sendFile(req, reply, assets, (req.params as { '*': string })['*'], IMMUTABLE));
  // Not content-hashed, so cached for a day rather than for good.
  app.get('/favicon.svg', async (req, reply) => sendFile(req, reply, dir, 'favicon.svg', 'public, max-age=86400'));
}
