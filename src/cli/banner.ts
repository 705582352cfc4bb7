// The lines of `loupe serve`'s start banner after "Loupe listening on …" (a module of its own:
// serve.ts sets V8 flags when loaded, which a test of these lines should not). Printed on every
// start, because the person reading them may not be the one who saw the first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The server's URL as a browser can open it: a wildcard address (0.0.0.0, ::) is not one. */
export function browsableUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = 'localhost';
  return u.origin;
}

export interface BannerOptions {
  built: boolean;
  /** The key the first start created: only then is it printed, in the dashboard link. */
  newAdminKey?: string;
  /** The admin key file, when there is one. */
  adminKeyFile?: string;
  /** Where the key file would be (said when there is none). */
  dataDir?: string;
  /** The checkout's README, when the server runs from one. */
  readme?: string;
}

/**
 * The first start's link carries the new admin key in the URL fragment: a browser never sends a
 * fragment to the server, so the key stays out of request logs, and the dashboard takes it from
 * there on load and wipes it from the address bar. Later starts only say where the key file is.
 */
export function startBanner(url: string, o: BannerOptions): string {
  const base = browsableUrl(url);
  const lines = [`Dashboard: ${base}/`];
  if (!o.built) lines.push('  (not built yet: run npm run build:web, then reload)');
  if (o.adminKeyFile) lines.push(`Admin key: in ${o.adminKeyFile}`);
  else if (o.dataDir) lines.push(`Admin key: no admin-key.txt in ${o.dataDir} (make a key: loupe keys create --project default --scopes admin,ingest,read)`);
  if (o.newAdminKey) lines.push(`Open the dashboard: ${base}/#key=${encodeURIComponent(o.newAdminKey)}`);
  lines.push(`API reference: ${base}/openapi.json (the OpenAPI 3 description of the HTTP API)`);
  if (o.readme) lines.push(`Docs: ${o.readme} and docs/*.md beside it`);
  return `${lines.join('\n')}\n`;
}

/** The README of the checkout this code runs from (src/cli or dist/cli), if it is there. */
export function checkoutReadme(): string | undefined {
  const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
  return existsSync(readme) ? readme : undefined;
}
