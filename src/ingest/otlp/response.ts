// OTLP answers in the request's encoding: ExportTraceServiceResponse (with partialSuccess when
// spans were rejected) and, for failures, google.rpc.Status.
import { writeLengthDelimited, writeVarint } from './proto-reader.js';

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

export function exportResponseProto(partial?: PartialSuccess): Buffer {
  if (!partial || (partial.rejectedSpans === 0 && !partial.errorMessage)) return Buffer.alloc(0);
  const inner: number[] = [];
  if (partial.rejectedSpans) {
    writeVarint(inner, 1 << 3);
    writeVarint(inner, partial.rejectedSpans);
  }
  if (partial.errorMessage) writeLengthDelimited(inner, 2, Buffer.from(partial.errorMessage, 'utf8'));
  const out: number[] = [];
  writeLengthDelimited(out, 1, inner);
  return Buffer.from(out);
}

export function exportResponseJson(partial?: PartialSuccess): Record<string, unknown> {
  if (!partial || (partial.rejectedSpans === 0 && !partial.errorMessage)) return {};
  return { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } };
}

/** gRPC status codes used in google.rpc.Status.code. */
export const GRPC = { OK: 0, INVALID_ARGUMENT: 3, NOT_FOUND: 5, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16, UNIMPLEMENTED: 12 } as const;

export function statusProto(code: number, message: string): Buffer {
  const out: number[] = [];
  if (code) {
    writeVarint(out, 1 << 3);
    writeVarint(out, code);
  }
  writeLengthDelimited(out, 2, Buffer.from(message, 'utf8'));
  return Buffer.from(out);
}

export function summarise(rejected: Array<{ item: string; message: string }>): PartialSuccess | undefined {
  if (!rejected.length) return undefined;
  const shown = rejected.slice(0, 5).map((r) => `${r.item}: ${r.message}`).join('; ');
  return { rejectedSpans: rejected.length, errorMessage: rejected.length > 5 ? `${shown}; and ${rejected.length - 5} more` : shown };
}
