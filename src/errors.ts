// The error catalogue: every code Loupe answers with, its HTTP status, its gRPC status and whether
// a client may retry, in one table. One handler (src/server/error-handler.ts) turns these into
// HTTP or gRPC answers; anything that is not a LoupeError is logged and becomes a 500 (or a 503
// when it is the database failing).

/** gRPC status codes (grpc/status.proto), named here so the catalogue needs no gRPC library. */
export const GRPC_STATUS = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const G = GRPC_STATUS;

export const ERROR_CODES = {
  invalid_body: { status: 400, grpc: G.INVALID_ARGUMENT, retryable: false, doc: 'The body could not be decoded or failed validation.' },
  invalid_query: { status: 400, grpc: G.INVALID_ARGUMENT, retryable: false, doc: 'A query parameter is unknown or malformed.' },
  invalid_request: { status: 400, grpc: G.INVALID_ARGUMENT, retryable: false, doc: 'The request is not valid HTTP (a malformed request line, header or URL encoding).' },
  unsupported_filter: { status: 400, grpc: G.INVALID_ARGUMENT, retryable: false, doc: 'The filter is valid but this endpoint cannot serve it.' },
  invalid_cursor: { status: 400, grpc: G.INVALID_ARGUMENT, retryable: false, doc: 'The cursor was not produced by this endpoint.' },
  unauthorized: { status: 401, grpc: G.UNAUTHENTICATED, retryable: false, doc: 'No API key, or an unknown one.' },
  forbidden: { status: 403, grpc: G.PERMISSION_DENIED, retryable: false, doc: 'The key lacks the scope, or names another project.' },
  not_found: { status: 404, grpc: G.NOT_FOUND, retryable: false, doc: 'No such resource in this project.' },
  request_timeout: { status: 408, grpc: G.DEADLINE_EXCEEDED, retryable: true, doc: 'The request (headers or body) did not arrive within the server\'s timeout.' },
  conflict: { status: 409, grpc: G.ALREADY_EXISTS, retryable: false, doc: 'The resource already exists.' },
  // Too much in one export is permanent: RESOURCE_EXHAUSTED without RetryInfo is not retried
  // (the OTLP spec), and it is what grpc-js itself answers for a message over the limit.
  payload_too_large: { status: 413, grpc: G.RESOURCE_EXHAUSTED, retryable: false, doc: 'The body exceeds the size limit (after decompression).' },
  uri_too_long: { status: 414, grpc: G.INVALID_ARGUMENT, retryable: false, doc: 'A path segment is longer than any id Loupe accepts.' },
  unsupported_media_type: { status: 415, grpc: G.INVALID_ARGUMENT, retryable: false, doc: 'The Content-Type or Content-Encoding is not accepted here.' },
  rate_limited: { status: 429, grpc: G.RESOURCE_EXHAUSTED, retryable: true, doc: 'The key is over its requests or bytes per second, or the address over its failed authentications; retry after Retry-After seconds.' },
  headers_too_large: { status: 431, grpc: G.INVALID_ARGUMENT, retryable: false, doc: 'The request\'s headers exceed 16 KiB.' },
  internal: { status: 500, grpc: G.INTERNAL, retryable: false, doc: 'An unexpected error; the server logged it.' },
  overloaded: { status: 503, grpc: G.UNAVAILABLE, retryable: true, doc: 'The write queue is full; retry after Retry-After seconds.' },
  unavailable: { status: 503, grpc: G.UNAVAILABLE, retryable: true, doc: 'The server is shutting down or the database is unreachable, busy or failing; retry after Retry-After seconds.' },
} as const satisfies Record<string, { status: number; grpc: number; retryable: boolean; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class LoupeError extends Error {
  readonly status: number;
  /** The gRPC status code for the same failure (OTLP/gRPC, and the google.rpc.Status of OTLP/HTTP). */
  readonly grpc: number;
  readonly retryable: boolean;
  /** Seconds a client should wait before retrying (for retryable errors). */
  retryAfter?: number;

  constructor(readonly code: ErrorCode, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'LoupeError';
    this.status = ERROR_CODES[code].status;
    this.grpc = ERROR_CODES[code].grpc;
    this.retryable = ERROR_CODES[code].retryable;
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export function isLoupeError(e: unknown): e is LoupeError {
  return e instanceof LoupeError;
}
