// The HTTP app: every route declared in routes/, registered with auth in front, bodies read as
// raw bytes (each route decodes its own format), and one error handler for the catalogue.
import Fastify, { type FastifyInstance, type FastifyError } from 'fastify';
import { ERROR_CODES, LoupeError, isLoupeError, type ErrorCode } from '../errors.js';
import type { AppDeps } from './deps.js';
import type { RouteSpec } from './route.js';
import { healthRoutes } from './routes/health.js';
import { ROUTE_MODULES } from './routes/index.js';
import { registerDashboard, resolveWebDir } from './dashboard.js';

function codeForStatus(status: number): ErrorCode {
  const found = (Object.entries(ERROR_CODES) as [ErrorCode, { status: number }][]).find(([, v]) => v.status === status);
  return found ? found[0] : status >= 500 ? 'internal' : 'invalid_body';
}

export interface AppOptions {
  logger?: boolean;
  /** The built dashboard (index.html, assets/); default LOUPE_WEB_DIR, else the repository's web/dist. */
  webDir?: string;
}

export function buildApp(deps: AppDeps, opts: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ? { level: 'info' } : false,
    bodyLimit: deps.bodyLimit,
    routerOptions: { ignoreTrailingSlash: true },
    forceCloseConnections: 'idle',
  });

  // Responses finished while the server closes end their connection: a keep-alive socket left
  // idle after close() began would otherwise hold shutdown until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) void reply.header('connection', 'close');
    return payload;
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const routes: RouteSpec[] = [];
  const all = () => routes;
  routes.push(...ROUTE_MODULES.flatMap((m) => m(deps)), ...healthRoutes(deps, all));

  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.path,
      handler: async (req, reply) => {
        const principal = spec.scope === undefined ? undefined
          : spec.scope === 'any' ? await deps.auth.authenticate(req.headers) : await deps.auth.require(req.headers, spec.scope);
        if (req.body === undefined && (spec.method === 'POST' || spec.method === 'PUT')) req.body = Buffer.alloc(0);
        return spec.handler({ req, reply, principal });
      },
    });
  }

  // Outside the route declarations: pages and files, not API operations for /openapi.json.
  registerDashboard(app, resolveWebDir(opts.webDir));

  app.setNotFoundHandler((req, reply) => {
    const e = new LoupeError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`);
    void reply.code(404).send(e.toJSON());
  });

  app.setErrorHandler((err: FastifyError | LoupeError | Error, req, reply) => {
    let e: LoupeError;
    if (isLoupeError(err)) e = err;
    else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500) {
      e = new LoupeError(codeForStatus(err.statusCode), err.message);
    } else {
      req.log.error({ err }, 'unhandled error');
      e = new LoupeError('internal', 'internal error');
    }
    if (e.retryAfter) void reply.header('retry-after', String(e.retryAfter));
    void reply.code(e.status).type('application/json').send(e.toJSON());
  });

  return app;
}
