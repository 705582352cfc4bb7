// OTLP/gRPC: opentelemetry.proto.collector.trace.v1.TraceService/Export on @grpc/grpc-js. The
// service definition is hand-made: the request stays raw bytes for the same protobuf decoder as
// OTLP/HTTP, the answer is encoded by the same ExportTraceServiceResponse writer. Auth, pipeline
// and limits are OTLP/HTTP's; failures map to gRPC codes through the error catalogue's one table.
import { constants as http2Constants, type ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { LoupeError } from '../errors.js';
import { exportResponseProto, summarise, type PartialSuccess } from '../ingest/otlp/index.js';
import { writeLengthDelimited, writeVarint } from '../ingest/otlp/proto-reader.js';
import { microsFromMillis } from '../model/time.js';
import type { Principal } from './auth.js';
import type { AppDeps } from './deps.js';
import { retryAfterSeconds, toLoupeError } from './error-handler.js';
import { resolveLimits, type ConnectionLimits } from './limits.js';
import { decodeOtlpBody } from './otlp-body.js';

export const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
/** How log lines name this service. */
const WHERE = `gRPC ${EXPORT_PATH}`;

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

/** The catalogue's error as a gRPC status (its code from the one table), with RetryInfo when retrying helps. */
function serviceError(e: LoupeError): grpc.StatusObject {
  const metadata = new grpc.Metadata();
  const retry = retryAfterSeconds(e);
  if (retry !== undefined) metadata.set('grpc-status-details-bin', statusWithRetryInfo(e.grpc, e.message, retry));
  return { code: e.grpc, details: e.message, metadata };
}

/** The key from gRPC metadata, presented as the HTTP headers the authenticator reads. */
function headersOf(md: grpc.Metadata): Record<string, string | undefined> {
  const get = (k: string) => {
    const v = md.get(k)[0];
    return v === undefined ? undefined : String(v);
  };
  return { 'x-api-key': get('x-api-key'), authorization: get('authorization') };
}

/** The client's address without its port, as HTTP's req.ip gives it (grpc-js: "ip:port", "[v6]:port" or "unknown"). */
export function peerAddress(peer: string): string | undefined {
  const m = /^\[?([^\]]*?)\]?:\d+$/.exec(peer);
  const ip = m ? m[1] : peer;
  return ip && ip !== 'unknown' ? ip : undefined;
}

export interface GrpcReceiver {
  port: number;
  /** Stops accepting calls and waits for those in flight to finish (each acks after its commit). */
  close(): Promise<void>;
}

/**
 * Admits each call before its message is read: grpc-js keeps the stream paused until the metadata
 * is passed on, so a call without a valid key is answered UNAUTHENTICATED (or PERMISSION_DENIED)
 * having cost its headers only. A call whose message has not arrived in full within the request
 * timeout (a trickling client) is answered DEADLINE_EXCEEDED.
 */
function admission(deps: AppDeps, principals: WeakMap<grpc.Metadata, Principal>, limits: ConnectionLimits): grpc.ServerInterceptor {
  return (_method, call) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = () => clearTimeout(timer);
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        timer = setTimeout(() => {
          call.sendStatus(serviceError(new LoupeError('request_timeout', `the request was not received within ${limits.requestTimeoutMs} ms`)));
          resetStreamSoon(call);
        }, limits.requestTimeoutMs);
        timer.unref();
        next({
          onReceiveMetadata(metadata, pass) {
            deps.auth.require(headersOf(metadata), 'ingest', peerAddress(call.getPeer())).then((principal) => {
              // The key's request budget, before the message is read (its bytes are counted once it is).
              deps.auth.rate.admit(principal.keyId, 1, 0);
              return principal;
            }).then(
              (principal) => {
                principals.set(metadata, principal);
                pass(metadata);
              },
              (e: unknown) => {
                stop();
                call.sendStatus(serviceError(toLoupeError(e, WHERE)));
                resetStreamSoon(call);
              },
            );
          },
          onReceiveHalfClose(pass) {
            stop();
            pass();
          },
          onCancel: stop,
        });
      },
      sendStatus(status, pass) {
        stop();
        pass(status);
      },
    });
  };
}

/**
 * Resets, after a second, the HTTP/2 stream under a call that was answered before its client
 * finished sending (a refused key, a timeout): grpc-js leaves such a stream half open, and a
 * trickling client would keep it (and its connection, never idle while a stream is open) for as
 * long as it trickles. A client that read its status has ended the stream by then; resetting at
 * once could overtake the status itself. grpc-js offers no public way to do this; its base call
 * keeps the stream as `stream`. Should a later grpc-js move it, the stream stays half open until
 * the connection's maximum age ends it.
 */
function resetStreamSoon(call: grpc.ServerInterceptingCallInterface): void {
  const stream = (call as unknown as { stream?: Partial<ServerHttp2Stream> }).stream;
  if (typeof stream?.close !== 'function') return;
  setTimeout(() => {
    if (stream.closed === false) stream.close!(http2Constants.NGHTTP2_CANCEL);
  }, 1000).unref();
}


export async function startGrpc(deps: AppDeps, host: string, port: number, limits: ConnectionLimits = resolveLimits()): Promise<GrpcReceiver> {
  const principals = new WeakMap<grpc.Metadata, Principal>();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': deps.bodyLimit,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    // A connection with no call in flight is closed (GOAWAY; clients reconnect when they need to).
    'grpc.max_connection_idle_ms': limits.keepAliveTimeoutMs,
    // Whatever a connection holds open, it ends: after an hour it is asked to go (GOAWAY), and calls
    // still in flight get one request timeout to finish. Clients reconnect, as gRPC clients do.
    'grpc.max_connection_age_ms': 60 * 60 * 1000,
    'grpc.max_connection_age_grace_ms': limits.requestTimeoutMs,
    'grpc.max_concurrent_streams': 100,
    interceptors: [admission(deps, principals, limits)],
  });
  const exportTraces: grpc.handleUnaryCall<Buffer, PartialSuccess | undefined> = (call, callback) => {
    const receivedAt = microsFromMillis(Date.now());
    void (async () => {
      // Settled by the interceptor; asked again only if grpc-js handed on another metadata object.
      const principal = principals.get(call.metadata) ?? await deps.auth.require(headersOf(call.metadata), 'ingest', peerAddress(call.getPeer()));
      // grpc-js hands the message over whole: its length is what the key's byte budget is charged.
      deps.auth.rate.admit(principal.keyId, 0, call.request.length);
      const refused = deps.writer.refusal();
      if (refused) throw refused;
      // The message is already read (grpc-js hands it over whole): it counts from here to the ack.
      deps.inflight.take(call.request.length);
      try {
        const result = decodeOtlpBody(call.request, 'protobuf');
        await deps.pipeline.ingest(principal.projectId, result, receivedAt);
        return summarise(result.rejected);
      } finally {
        deps.inflight.release(call.request.length);
      }
    })().then(
      (partial) => callback(null, partial),
      (e: unknown) => callback(serviceError(toLoupeError(e, WHERE))),
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
