// Stopping the HTTP side without resetting anyone: on close, serve nothing new (a request that
// arrives from then on, on a kept-alive connection or a new one, is answered 503 + Retry-After and
// its connection closed), let the requests in flight finish (their answers say Connection: close),
// and close the listener and the connections left only once nothing has arrived for a moment,
// within a bounded wait.
//
// Why not just Fastify's close(): http.Server#close() closes every idle keep-alive connection at
// once, and under load a client has often just written its next request onto one of them; that
// request then meets a reset instead of an answer, and a POST is not retried by HTTP clients (it
// may or may not have been stored, for all the client knows). And why not close the listener
// first: the kernel completes connections before the server accepts them, and closing a listener
// resets the ones still in its accept queue, requests and all. Under load that queue is rarely
// empty (measured in test/integration/shutdown.test.ts: 1 to 6 resets in 4 runs of 6). So the
// listener keeps accepting while the drain answers 503, and is closed when the server is idle.
import { Server as NetServer } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { LoupeError } from '../errors.js';

export interface DrainOptions {
  /** The longest wait for requests in flight; past it their connections are closed (default 10 s). */
  timeoutMs?: number;
  /**
   * How long nothing may arrive (no request, no connection) before the listener and the idle
   * connections are closed (default 250 ms): a client answered a moment ago may be writing its
   * next request already, or its next connection may be in the accept queue.
   */
  quietMs?: number;
}

export interface HttpDrain {
  /** True once drain() has begun. */
  readonly draining: boolean;
  /** Stops accepting and waits as described above; `forced` when the deadline cut requests off. */
  drain(): Promise<{ forced: boolean }>;
}

/** Wires the drain into `app`: call before listen (it adds hooks). */
export function httpDrain(app: FastifyInstance, opts: DrainOptions = {}): HttpDrain {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const quietMs = opts.quietMs ?? 250;
  const server = app.server;
  let draining = false;
  let inFlight = 0;
  let connections = 0;
  /** Requests whose headers arrived after the drain began: answered 503, not served. */
  const late = new WeakSet<IncomingMessage>();
  /** Connections and requests that arrived so far: a change means something arrived. */
  let arrivals = 0;
  let wake: (() => void) | undefined;
  const changed = () => wake?.();

  server.on('connection', (socket: NodeJS.EventEmitter) => {
    connections++;
    arrivals++;
    changed();
    socket.once('close', () => {
      connections--;
      changed();
    });
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    arrivals++;
    if (draining) late.add(req);
    res.once('close', () => {
      inFlight--;
      changed();
    });
    changed();
  });

  // Every answer given while draining ends its connection, so the client does not write its next
  // request into a connection about to close.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (draining) void reply.header('connection', 'close');
    return payload;
  });
  // After the body was read (a reply before it would leave the client writing into a closed
  // socket): late requests are told to retry.
  app.addHook('preHandler', async (req, reply) => {
    if (!late.has(req.raw)) return;
    const e = new LoupeError('unavailable', 'server is shutting down: retry later');
    return reply.code(e.status).header('retry-after', '1').type('application/json').send(e.toJSON());
  });

  /** Resolves true when `until` held, false when `ms` passed first. */
  const waitFor = (until: () => boolean, ms: number): Promise<boolean> => new Promise((resolve) => {
    if (until()) return resolve(true);
    const timer = setTimeout(() => {
      wake = undefined;
      resolve(false);
    }, Math.max(0, ms));
    wake = () => {
      if (!until()) return;
      clearTimeout(timer);
      wake = undefined;
      resolve(true);
    };
  });

  return {
    get draining() {
      return draining;
    },
    async drain() {
      if (draining) throw new Error('drain() called twice');
      draining = true;
      const deadline = Date.now() + timeoutMs;
      const atStart = arrivals;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        if (inFlight > 0) {
          await waitFor(() => inFlight === 0, left);
          continue;
        }
        // A server with no connection that nothing reached since the stop has nothing to wait for.
        if (connections === 0 && arrivals === atStart) break;
        // Otherwise done once a quiet moment passes in which nothing arrives.
        const seen = arrivals;
        if (!(await waitFor(() => arrivals !== seen || inFlight > 0, Math.min(quietMs, left)))) break;
      }
      const forced = inFlight > 0;
      // The listening socket: net.Server#close, not http.Server#close (see the top); then idle
      // keep-alive connections, connections that never finished their headers, and past the
      // deadline requests still running.
      if (server.listening) NetServer.prototype.close.call(server);
      server.closeAllConnections();
      return { forced };
    },
  };
}
