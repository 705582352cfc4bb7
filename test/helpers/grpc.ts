// Test helper for OTLP/gRPC: one TraceService/Export call with a key, on a client of its own.
import * as grpc from '@grpc/grpc-js';
import { EXPORT_PATH } from '../../src/server/grpc.js';

/** The call's error (null when it succeeded); `body` is the raw request message (empty by default). */
export function grpcExport(port: number, key: string, body: Buffer = Buffer.alloc(0)): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set('x-api-key', key);
  return new Promise((resolve) => {
    client.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, body, md, (err) => {
      client.close();
      resolve(err);
    });
  });
}
