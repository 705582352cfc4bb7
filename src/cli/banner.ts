// The dashboard lines of `loupe serve`'s start banner (a module of its own: serve.ts sets V8 flags
// when loaded, which a test of these lines should not).

/** The server's URL as a browser can open it: a wildcard address (0.0.0.0, ::) is not one. */
export function browsableUrl(url: string): string {
  const u = new URL(url);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = 'localhost';
  return u.origin;
}

/**
 * The dashboard lines of the start banner. The first start's link carries the new admin key in
 * the URL fragment: a browser never sends a fragment to the server, so the key stays out of
 * request logs, and the dashboard takes it from there on load and wipes it from the address bar.
 * Later starts only say where the key file is, never the key.
 */
export function dashboardBanner(url: string, opts: { newAdminKey?: string; adminKeyFile?: string; built: boolean }): string {
  const base = browsableUrl(url);
  const lines = [`Dashboard: ${base}/`];
  if (!opts.built) lines.push('  (not built yet: run npm run build:web, then reload)');
  if (opts.adminKeyFile) lines.push(`Admin key: in ${opts.adminKeyFile}`);
  if (opts.newAdminKey) lines.push(`Open the dashboard: ${base}/#key=${encodeURIComponent(opts.newAdminKey)}`);
  return `${lines.join('\n')}\n`;
}
