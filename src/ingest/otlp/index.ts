// The OTLP trace adapter: (body, content type) → Batch. Pure: no I/O, no clock. Shared by the
// HTTP routes (/v1/traces and the compatibility paths) and the gRPC receiver.
import type { AdapterResult } from '../../model/batch.js';
import { decodeOtlpJson } from './decode-json.js';
import { decodeOtlpProto } from './decode-proto.js';
import { otlpToBatch, type OtlpMapOptions } from './to-batch.js';
import type { OtlpExport } from './types.js';

export type OtlpEncoding = 'protobuf' | 'json';

/** Picks the encoding by Content-Type (substring match, as clients add parameters); undefined if neither. */
export function otlpEncoding(contentType: string | undefined): OtlpEncoding | undefined {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('application/x-protobuf') || ct.includes('application/protobuf')) return 'protobuf';
  if (ct.includes('application/json')) return 'json';
  return undefined;
}

export function decodeOtlp(body: Buffer, encoding: OtlpEncoding): OtlpExport {
  return encoding === 'protobuf' ? decodeOtlpProto(body) : decodeOtlpJson(body.toString('utf8'));
}

export function otlpAdapter(body: Buffer, encoding: OtlpEncoding, opts?: OtlpMapOptions): AdapterResult {
  return otlpToBatch(decodeOtlp(body, encoding), opts);
}

export { OtlpDecodeError } from './types.js';
export type { OtlpMapOptions } from './to-batch.js';
export * from './response.js';
