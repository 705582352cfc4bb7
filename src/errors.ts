// The error catalogue: every code Loupe answers with, its HTTP status and whether a client may
// retry. One handler (src/server/error-handler.ts) turns these into HTTP or gRPC answers;
// anything that is not a LoupeError is logged and becomes a 500.

export const ERROR_CODES = {
  invalid_body: { status: 400, retryable: false, doc: 'The body could not be decoded or failed validation.' },
  invalid_query: { status: 400, retryable: false, doc: 'A query parameter is unknown or malformed.' },
  unsupported_filter: { status: 400, retryable: false, doc: 'The filter is valid but this endpoint cannot serve it.' },
  invalid_cursor: { status: 400, retryable: false, doc: 'The cursor was not produced by this endpoint.' },
  unauthorized: { status: 401, retryable: false, doc: 'No API key, or an unknown one.' },
  forbidden: { status: 403, retryable: false, doc: 'The key lacks the scope, or names another project.' },
  not_found: { status: 404, retryable: false, doc: 'No such resource in this project.' },
  request_timeout: { status: 408, retryable: true, doc: 'The request (headers or body) did not arrive within the server\'s timeout.' },
  conflict: { status: 409, retryable: false, doc: 'The resource already exists.' },
  payload_too_large: { status: 413, retryable: false, doc: 'The body exceeds the size limit (after decompression).' },
  unsupported_media_type: { status: 415, retryable: false, doc: 'The Content-Type or Content-Encoding is not accepted here.' },
  rate_limited: { status: 429, retryable: true, doc: 'Too many requests; retry after Retry-After seconds.' },
  overloaded: { status: 503, retryable: true, doc: 'The write queue is full; retry after Retry-After seconds.' },
  unavailable: { status: 503, retryable: true, doc: 'The server is shutting down or the database is unreachable.' },
  internal: { status: 500, retryable: false, doc: 'An unexpected error; the server logged it.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class LoupeError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  /** Seconds a client should wait before retrying (for retryable errors). */
  retryAfter?: number;

  constructor(readonly code: ErrorCode, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'LoupeError';
    this.status = ERROR_CODES[code].status;
    this.retryable = ERROR_CODES[code].retryable;
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export function isLoupeError(e: unknown): e is LoupeError {
  return e instanceof LoupeError;
}
