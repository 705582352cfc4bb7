// The HTTP app: every route declared in routes/, registered with auth in front (before the body
// is read), bodies read as raw bytes (each route decodes its own format), and one error handler
// for the catalogue.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { routeHint } from './route-hints.js';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { LoupeError } from '../errors.js';
import type { AppDeps } from './deps.js';
import type { Principal } from './auth.js';
import type { RouteSpec } from './route.js';
import { registerCors, resolveCorsOrigins, type CorsOrigins } from './cors.js';
import { healthRoutes } from './routes/health.js';
import { ROUTE_MODULES } from './routes/index.js';
import { registerDashboard, resolveWebDir } from './dashboard.js';
import { checkIntervalMs, resolveLimits, type ConnectionLimits } from './limits.js';
import { MAX_PARAM_LENGTH, onClientError, onFrameworkError, onRouteError, sendError } from './http-errors.js';

/** Whether the request declares a body that has not arrived in full (nobody read it yet). */
function bodyUnread(raw: IncomingMessage): boolean {
  const declared = raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
  return declared && !raw.complete;
}

/**
 * The request may send its body: a declared length over the limit is refused before a byte of it
 * is read, so is one the in-flight bound cannot hold now and a write while the store takes none
 * (503, retry), and a client waiting on `Expect: 100-continue` is told to go on. The bytes held
 * are let go when the answer is sent or the connection closes.
 */
async function admitBody(req: FastifyRequest, reply: FastifyReply, deps: AppDeps, spec: RouteSpec, principal: Principal | undefined): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0) || 0;
  if (declared > deps.bodyLimit) throw new LoupeError('payload_too_large', `body exceeds ${deps.bodyLimit} bytes`);
  // The key's request and byte budgets (rate-limit.ts), by the declared length: after the size
  // check (a body too large for any budget is a permanent 413, not a 429 worth retrying).
  if (principal) deps.auth.rate.admit(principal.keyId, 1, declared);
  const expects = String(req.headers.expect ?? '').toLowerCase() === '100-continue';
  try {
    // A write the store would refuse anyway (its compaction backlog) is refused before its body is decoded.
    const refused = spec.scope === 'ingest' && spec.method !== 'GET' ? deps.writer.refusal() : null;
    if (refused) throw refused;
    hold(reply, deps.inflight, declared);
  } catch (e) {
    // A client told to retry should hear it: its body is read and thrown away as it arrives (no
    // memory kept), so the 503 reaches it on an open connection instead of a reset mid-upload.
    // One that waits on 100-continue sends nothing more and needs no draining.
    if (!expects && declared > 0) await drain(req);
    throw e;
  }
  if (expects) reply.raw.writeContinue();
}

function drain(req: FastifyRequest): Promise<void> {
  return new Promise((resolve) => {
    req.raw.once('end', resolve).once('close', resolve).once('error', resolve);
    req.raw.resume();
  });
}

/** Holds `n` bytes of the in-flight bound until the response is done with. */
function hold(reply: FastifyReply, inflight: AppDeps['inflight'], n: number): void {
  if (n <= 0) return;
  inflight.take(n);
  reply.raw.once('close', () => inflight.release(n));
}

export interface AppOptions {
  logger?: boolean;
  /** The built dashboard (index.html, assets/); default LOUPE_WEB_DIR, else the repository's web/dist. */
  webDir?: string;
  /** Timeouts and the connection cap (default: resolveLimits(), i.e. the defaults and LOUPE_* variables). */
  limits?: ConnectionLimits;
  /** Origins browser apps may call from (default: resolveCorsOrigins(), i.e. LOUPE_CORS_ORIGINS; none: CORS off). */
  corsOrigins?: CorsOrigins;
}

export function buildApp(deps: AppDeps, opts: AppOptions = {}): FastifyInstance {
  const limits = opts.limits ?? resolveLimits();
  const app = Fastify({
    logger: opts.logger ? { level: 'info' } : false,
    bodyLimit: deps.bodyLimit,
    // Ids up to the 800 characters the API accepts fit in a path (Fastify's default is 100).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // Errors Fastify and Node's parser find themselves answer in the catalogue's shape too.
    frameworkErrors: onFrameworkError,
    clientErrorHandler: onClientError,
    forceCloseConnections: 'idle',
    // Slow clients: headers within headersTimeout, the whole request within requestTimeout (Node
    // answers 408 and closes), idle keep-alive closed after keepAliveTimeout, and a connection
    // where nothing moves either way for idleTimeout closed (Fastify's connectionTimeout).
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: checkIntervalMs(limits),
    },
  });
  app.server.maxConnections = limits.maxConnections;

  // Responses finished while the server closes end their connection: a keep-alive socket left
  // idle after close() began would otherwise hold shutdown until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', async (req, reply, payload) => {
    // An answer given before the body was read (401, 403, 413…) ends the connection: what the
    // client still sends is not worth reading, and the connection cannot carry another request
    // until it has been.
    if (closing || bodyUnread(req.raw)) void reply.header('connection', 'close');
    return payload;
  });

  // Node answers `Expect: 100-continue` with a 100 by itself unless someone listens for it: the
  // 100 is sent by admitBody below, once the request was authenticated.
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => app.server.emit('request', req, res));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const routes: RouteSpec[] = [];
  const all = () => routes;
  routes.push(...ROUTE_MODULES.flatMap((m) => m(deps)), ...healthRoutes(deps, all));

  // Who made each request, settled in onRequest: that hook runs before Fastify reads the body, so
  // a request without a valid key costs its headers only, never a buffered body.
  const principals = new WeakMap<FastifyRequest, Principal>();
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.path,
      onRequest: async (req, reply) => {
        if (spec.scope !== undefined) {
          principals.set(req, spec.scope === 'any' ? await deps.auth.authenticate(req.headers, req.ip) : await deps.auth.require(req.headers, spec.scope, req.ip));
        }
        await admitBody(req, reply, deps, spec, principals.get(req));
      },
      // A chunked body declares no length: it is held once read, by what arrived, and charged to the
      // key's byte budget then (too late to refuse it, not too late to slow the next ones).
      preHandler: async (req, reply) => {
        if (req.headers['content-length'] === undefined && Buffer.isBuffer(req.body)) {
          hold(reply, deps.inflight, req.body.length);
          const p = principals.get(req);
          if (p) deps.auth.rate.charge(p.keyId, req.body.length);
        }
      },
      handler: async (req, reply) => {
        if (req.body === undefined && (spec.method === 'POST' || spec.method === 'PUT')) req.body = Buffer.alloc(0);
        return spec.handler({ req, reply, principal: principals.get(req) });
      },
    });
  }

  registerCors(app, opts.corsOrigins ?? resolveCorsOrigins());

  // Outside the route declarations: pages and files, not API operations for /openapi.json.
  registerDashboard(app, resolveWebDir(opts.webDir));

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const hint = routeHint(req.method, path, routes);
    sendError(reply, new LoupeError('not_found', `no route ${req.method} ${path}${hint ? `; ${hint}` : ''}`));
  });
  app.setErrorHandler(onRouteError);

  return app;
}
