// Helpers of the SDK's tests: a client on a real server, reading traces back through the query
// API, and the small misbehaving servers some tests need in front of it.
import { expect } from 'vitest';
import { LoupeDeliveryError } from '@loupe/sdk';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { call } from '../../../test/helpers/server.js';

export interface StoredSpan {
  id: string;
  traceId: string;
  parentId: string | null;
  kind: string;
  name: string | null;
  status: string;
  error: string | null;
  startTime: string | null;
  endTime: string | null;
  durationMs: number | null;
  input: unknown;
  output: unknown;
  model: string | null;
  params: Record<string, unknown>;
  usage: Record<string, number>;
  metadata: Record<string, unknown>;
  events: Array<{ name: string; time: string | null; attributes: Record<string, unknown> }>;
}

export interface StoredTrace {
  id: string;
  name: string | null;
  status: string;
  startTime: string;
  endTime: string | null;
  durationMs: number | null;
  input: unknown;
  output: unknown;
  userId: string | null;
  sessionId: string | null;
  environment: string | null;
  release: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  testId: string | null;
  spanCount: number;
  errorCount: number;
  inputTokens: number;
  outputTokens: number;
}

export interface StoredScore {
  id: string;
  traceId: string;
  spanId: string | null;
  name: string;
  value: number | string | boolean;
  comment: string | null;
  source: string;
}

export interface TraceDetail {
  trace: StoredTrace;
  spans: StoredSpan[];
  scores: StoredScore[];
}

/** The trace as stored, or undefined when the server has no such trace. */
export async function readTrace(url: string, key: string, id: string): Promise<TraceDetail | undefined> {
  const a = await call<TraceDetail>(url, `/api/v1/traces/${encodeURIComponent(id)}`, { key });
  if (a.status === 404) return undefined;
  if (a.status !== 200) throw new Error(`GET trace ${id}: ${a.status} ${a.raw.toString()}`);
  return a.json;
}

/** Polls until the trace exists with at least `spans` spans (writes are durable before the ack, but a child process may still be sending). */
export async function waitForTrace(url: string, key: string, id: string, spans = 0, ms = 10_000): Promise<TraceDetail> {
  const until = Date.now() + ms;
  for (;;) {
    const t = await readTrace(url, key, id);
    if (t && t.spans.length >= spans) return t;
    if (Date.now() > until) throw new Error(`trace ${id}: ${t ? `${t.spans.length} spans` : 'not found'} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function listen(server: Server | TcpServer, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export function close(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export interface Proxy {
  url: string;
  port: number;
  /** Requests answered by the proxy itself (not forwarded). */
  refused: number;
  /** Ids of every span forwarded to the server, in order. */
  forwardedSpanIds: string[];
  requests: number;
  stop(): Promise<void>;
  /** Starts listening again on the same port (after stop: the server is "back"). */
  restart(): Promise<void>;
}

/**
 * A proxy in front of the real server that answers the first `refuse` requests itself with
 * `status` (and Retry-After), then forwards the rest.
 */
export async function startProxy(target: string, refuse = 0, status = 503, retryAfter?: string): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await body(req);
    p.requests++;
    if (p.refused < refuse) {
      p.refused++;
      res.writeHead(status, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'try again later' } }));
      return;
    }
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as { spans?: Array<{ id: string }> };
      for (const s of parsed.spans ?? []) p.forwardedSpanIds.push(s.id);
    } catch {
      // not JSON: forwarded as is
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
    const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body: raw.length ? raw : undefined });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  };
  let server = createServer((req, res) => void handler(req, res));
  const track = (s: Server) => s.on('connection', (c) => { sockets.add(c); c.on('close', () => sockets.delete(c)); });
  track(server);
  const port = await listen(server);
  const p: Proxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    refused: 0,
    requests: 0,
    forwardedSpanIds: [],
    async stop() {
      for (const s of sockets) s.destroy();
      await close(server);
    },
    async restart() {
      server = createServer((req, res) => void handler(req, res));
      track(server);
      await listen(server, port);
    },
  };
  return p;
}

/** A TCP server that accepts connections and never says a word. */
export async function startSilentServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      for (const s of sockets) s.destroy();
      await close(server);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What `p` rejects with, which must be a LoupeDeliveryError (flush() and shutdown() reject with one). */
export async function rejection(p: Promise<unknown>): Promise<LoupeDeliveryError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(LoupeDeliveryError);
  return e as LoupeDeliveryError;
}

