// Every HTTP error answer in the catalogue's shape, `{"error":{"code","message"}}`, whoever found
// the error: a route (LoupeError or not), Fastify itself (a body over the limit, a bad URL, a path
// segment over the router's limit) or Node's HTTP parser before Fastify saw a request (headers too
// large, a malformed request, a request that did not arrive in time).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, LoupeError, isLoupeError, type ErrorCode } from '../errors.js';
import { retryAfterSeconds, toLoupeError } from './error-handler.js';

/**
 * The router's longest path segment. An id may be 800 characters (src/model/schemas.ts), and
 * percent-encoded a character takes up to 9 (three UTF-8 bytes as %XX each): 7,200. Node's 16 KiB
 * header limit bounds the request line anyway.
 */
export const MAX_PARAM_LENGTH = 8192;

function codeForStatus(status: number): ErrorCode {
  const found = (Object.entries(ERROR_CODES) as Array<[ErrorCode, { status: number }]>).find(([, v]) => v.status === status);
  return found ? found[0] : status >= 500 ? 'internal' : 'invalid_request';
}

/** Sends `e` as the answer, with Retry-After when it is worth retrying. */
export function sendError(reply: FastifyReply, e: LoupeError): FastifyReply {
  const retry = retryAfterSeconds(e);
  if (retry !== undefined) void reply.header('retry-after', String(retry));
  return reply.code(e.status).type('application/json').send(e.toJSON());
}

/** The route a request matched, for log lines: its pattern, never the URL (ids, query text). */
export function routeOf(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? '(no route)'}`;
}

/** Fastify's error handler: errors of its own with a 4xx status keep it; the rest go through toLoupeError. */
export function onRouteError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  let e: LoupeError;
  if (isLoupeError(err)) e = err;
  else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500) e = new LoupeError(codeForStatus(err.statusCode), err.message);
  else e = toLoupeError(err, routeOf(req));
  return sendError(reply, e);
}

/** Fastify's `frameworkErrors`: a URL it cannot decode, a path segment over MAX_PARAM_LENGTH. */
export function onFrameworkError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const e = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new LoupeError('uri_too_long', `a path segment is longer than ${MAX_PARAM_LENGTH} characters`)
    : new LoupeError('invalid_request', err.code === 'FST_ERR_BAD_URL' ? 'the URL is not valid (a malformed percent-encoding)' : err.message);
  void sendError(reply, e);
}

/**
 * Node's `clientError`, answered by Fastify's `clientErrorHandler`: the parser gave up on a
 * request, or it did not arrive within the headers or request timeout. The answer is written to
 * the socket by hand (there is no request to reply to), then the connection ends; it is destroyed
 * a second later should the client keep sending (closing at once could drop the answer unread).
 */
export function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new LoupeError('request_timeout', 'the request did not arrive in time')
    : err.code === 'HPE_HEADER_OVERFLOW' ? new LoupeError('headers_too_large', 'the request headers exceed 16 KiB')
      : new LoupeError('invalid_request', 'the request is not valid HTTP/1.1');
  // A response already under way on this socket cannot be followed by another.
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !started) {
    const body = JSON.stringify(e.toJSON());
    const retry = retryAfterSeconds(e);
    socket.end(`HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry !== undefined ? `Retry-After: ${retry}\r\n` : ''}Connection: close\r\n\r\n${body}`);
    setTimeout(() => socket.destroy(), 1000).unref();
  } else {
    socket.destroy();
  }
}
