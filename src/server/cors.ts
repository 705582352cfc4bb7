// CORS: off unless origins are allowed (LOUPE_CORS_ORIGINS or ServerConfig.corsOrigins). The
// dashboard is served from the API's own origin and needs none. For an allowed Origin a preflight
// is answered 204 with what a browser app needs to send keys and bodies, and every answer carries
// Access-Control-Allow-Origin; any other Origin gets no CORS header at all, and its preflight a 403
// (so the browser refuses the request before sending it). Keys travel in headers, never cookies,
// so no credentials are allowed and `*` (any origin) is no CSRF risk; it is still not the default.
import type { FastifyInstance } from 'fastify';
import { LoupeError } from '../errors.js';
import { sendError } from './http-errors.js';

export type CorsOrigins = ReadonlySet<string> | '*';

/** The allow-list: `corsOrigins` when given, else LOUPE_CORS_ORIGINS (comma-separated; `*` for any). Empty: CORS off. */
export function resolveCorsOrigins(corsOrigins?: string[], env: NodeJS.ProcessEnv = process.env): CorsOrigins {
  const list = (corsOrigins ?? (env.LOUPE_CORS_ORIGINS ?? '').split(',')).map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
  if (list.includes('*')) return '*';
  for (const o of list) {
    // An origin is scheme://host[:port], exactly as browsers send it; a path or a typo would never match.
    if (!/^https?:\/\/[^/\s]+$/i.test(o)) throw new Error(`LOUPE_CORS_ORIGINS: "${o}" is not an origin (scheme://host[:port])`);
  }
  return new Set(list.map((o) => o.toLowerCase()));
}

export const CORS_ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
export const CORS_ALLOW_HEADERS = 'x-api-key, authorization, content-type, content-encoding';
export const CORS_MAX_AGE_SEC = 600;

export function registerCors(app: FastifyInstance, origins: CorsOrigins): void {
  const allowed = (origin: string | undefined): origin is string =>
    origin !== undefined && (origins === '*' || origins.has(origin.toLowerCase()));

  app.addHook('onSend', async (req, reply, payload) => {
    const origin = req.headers.origin;
    if (allowed(origin)) {
      void reply.header('access-control-allow-origin', origins === '*' ? '*' : origin);
      // Retry-After on a 429/503 is worth reading from a browser app too.
      void reply.header('access-control-expose-headers', 'retry-after');
    }
    // The answer depends on Origin whenever an allow-list is in force: caches must keep them apart.
    if (origins !== '*' && origins.size > 0) {
      // Added to what the route said (the dashboard varies by accept-encoding), never in its place.
      const vary = reply.getHeader('vary');
      const prior = vary === undefined ? '' : String(vary);
      if (!/\borigin\b/i.test(prior)) void reply.header('vary', prior ? `${prior}, Origin` : 'Origin');
    }
    return payload;
  });

  // Preflights: OPTIONS on any path (no API route answers OPTIONS otherwise).
  app.options('*', async (req, reply) => {
    const origin = req.headers.origin;
    if (!allowed(origin) || req.headers['access-control-request-method'] === undefined) {
      return sendError(reply, new LoupeError('forbidden', 'cross-origin requests from this origin are not allowed (LOUPE_CORS_ORIGINS)'));
    }
    return reply
      .code(204)
      .header('access-control-allow-methods', CORS_ALLOW_METHODS)
      .header('access-control-allow-headers', CORS_ALLOW_HEADERS)
      .header('access-control-max-age', String(CORS_MAX_AGE_SEC))
      .send();
  });
}
