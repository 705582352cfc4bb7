// OTLP/gRPC: opentelemetry.proto.collector.trace.v1.TraceService/Export on @grpc/grpc-js. The
// service definition is hand-made: the request stays raw bytes for the same protobuf decoder as
// OTLP/HTTP, the answer is encoded by the same ExportTraceServiceResponse writer. Auth, pipeline
// and limits are OTLP/HTTP's; failures map to gRPC codes as the OTLP spec says.
import * as grpc from '@grpc/grpc-js';
import { LoupeError, isLoupeError } from '../errors.js';
import { OtlpDecodeError, exportResponseProto, otlpAdapter, summarise, type PartialSuccess } from '../ingest/otlp/index.js';
import { writeLengthDelimited, writeVarint } from '../ingest/otlp/proto-reader.js';
import { microsFromMillis } from '../model/time.js';
import type { Principal } from './auth.js';
import type { AppDeps } from './deps.js';

export const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

const raw = (b: Buffer): Buffer => b;

export const traceServiceDefinition: grpc.ServiceDefinition = {
  Export: {
    path: EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: (p: PartialSuccess | undefined) => exportResponseProto(p),
    responseDeserialize: raw,
    originalName: 'export',
  },
};

const CODES: Record<string, grpc.status> = {
  unauthorized: grpc.status.UNAUTHENTICATED,
  forbidden: grpc.status.PERMISSION_DENIED,
  // Too much in one export is permanent: without RetryInfo, RESOURCE_EXHAUSTED is not retried.
  payload_too_large: grpc.status.RESOURCE_EXHAUSTED,
  rate_limited: grpc.status.RESOURCE_EXHAUSTED,
  overloaded: grpc.status.UNAVAILABLE,
  unavailable: grpc.status.UNAVAILABLE,
  internal: grpc.status.INTERNAL,
};

/** google.rpc.Status carrying a google.rpc.RetryInfo, for the grpc-status-details-bin trailer. */
export function statusWithRetryInfo(code: number, message: string, retryAfterSeconds: number): Buffer {
  const duration: number[] = [];
  writeVarint(duration, 1 << 3);
  writeVarint(duration, Math.max(0, Math.ceil(retryAfterSeconds)));
  const retryInfo: number[] = [];
  writeLengthDelimited(retryInfo, 1, duration);
  const any: number[] = [];
  writeLengthDelimited(any, 1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo'));
  writeLengthDelimited(any, 2, retryInfo);
  const status: number[] = [];
  writeVarint(status, 1 << 3);
  writeVarint(status, code);
  writeLengthDelimited(status, 2, Buffer.from(message, 'utf8'));
  writeLengthDelimited(status, 3, any);
  return Buffer.from(status);
}

function serviceError(e: LoupeError): grpc.StatusObject {
  const code = CODES[e.code] ?? (e.status >= 500 ? grpc.status.INTERNAL : grpc.status.INVALID_ARGUMENT);
  const metadata = new grpc.Metadata();
  if (e.retryable) metadata.set('grpc-status-details-bin', statusWithRetryInfo(code, e.message, e.retryAfter ?? 1));
  return { code, details: e.message, metadata };
}

/** The key from gRPC metadata, presented as the HTTP headers the authenticator reads. */
function headersOf(md: grpc.Metadata): Record<string, string | undefined> {
  const get = (k: string) => {
    const v = md.get(k)[0];
    return v === undefined ? undefined : String(v);
  };
  return { 'x-api-key': get('x-api-key'), authorization: get('authorization') };
}

export interface GrpcReceiver {
  port: number;
  /** Stops accepting calls and waits for those in flight to finish (each acks after its commit). */
  close(): Promise<void>;
}

/**
 * Authenticates each call from its metadata before its message is read: grpc-js keeps the stream
 * paused until the metadata is passed on, so a call without a valid key is answered
 * UNAUTHENTICATED (or PERMISSION_DENIED) having cost its headers only.
 */
function authInterceptor(deps: AppDeps, principals: WeakMap<grpc.Metadata, Principal>): grpc.ServerInterceptor {
  return (_method, call) => new grpc.ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMetadata(metadata, pass) {
          deps.auth.require(headersOf(metadata), 'ingest').then(
            (principal) => {
              principals.set(metadata, principal);
              pass(metadata);
            },
            (e: unknown) => call.sendStatus(serviceError(isLoupeError(e) ? e : unhandled(e))),
          );
        },
      });
    },
  });
}

function unhandled(e: unknown): LoupeError {
  process.stderr.write(`loupe: gRPC export failed: ${(e as Error).stack ?? String(e)}\n`);
  return new LoupeError('internal', 'internal error');
}

export async function startGrpc(deps: AppDeps, host: string, port: number): Promise<GrpcReceiver> {
  const principals = new WeakMap<grpc.Metadata, Principal>();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': deps.bodyLimit,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    interceptors: [authInterceptor(deps, principals)],
  });
  const exportTraces: grpc.handleUnaryCall<Buffer, PartialSuccess | undefined> = (call, callback) => {
    const receivedAt = microsFromMillis(Date.now());
    void (async () => {
      // Settled by the interceptor; asked again only if grpc-js handed on another metadata object.
      const principal = principals.get(call.metadata) ?? await deps.auth.require(headersOf(call.metadata), 'ingest');
      let result;
      try {
        result = otlpAdapter(call.request, 'protobuf');
      } catch (e) {
        if (e instanceof OtlpDecodeError) throw new LoupeError('invalid_body', e.message);
        throw e;
      }
      await deps.pipeline.ingest(principal.projectId, result, receivedAt);
      return summarise(result.rejected);
    })().then(
      (partial) => callback(null, partial),
      (e: unknown) => callback(serviceError(isLoupeError(e) ? e : unhandled(e))),
    );
  };
  server.addService(traceServiceDefinition, { Export: exportTraces });
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // Drain: in-flight exports finish and ack; a stuck call cannot hold shutdown forever.
        const force = setTimeout(() => server.forceShutdown(), 10_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}
