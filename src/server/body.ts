// Request bodies: raw bytes, decompressed per Content-Encoding with the size limit applied
// after decompression (a small gzip bomb must not become a large allocation).
import { gunzip, inflate, brotliDecompress } from 'node:zlib';
import { promisify } from 'node:util';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { z } from 'zod';
import { LoupeError } from '../errors.js';
import { issueText } from '../model/issues.js';
import { MAX_JSON_DEPTH, jsonTooDeep } from '../json-depth.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliAsync = promisify(brotliDecompress);

export const DEFAULT_BODY_LIMIT = 64 * 1024 * 1024;

/**
 * From this size a parsed body is handed on in a later turn of the event loop: the parse of an
 * 8 MB body and the mapping after it otherwise run as one stretch, and every read waits behind
 * it (docs/limits.md, overload). Smaller bodies go straight on, as before.
 */
export const YIELD_AFTER_PARSE_BYTES = 1024 * 1024;

export async function decodeBody(raw: Buffer, encoding: string | undefined, limit = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') {
    if (raw.length > limit) throw new LoupeError('payload_too_large', `body exceeds ${limit} bytes`);
    return raw;
  }
  const opts = { maxOutputLength: limit };
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return await gunzipAsync(raw, opts);
    if (enc === 'deflate') return await inflateAsync(raw, opts);
    if (enc === 'br') return await brotliAsync(raw, opts);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new LoupeError('payload_too_large', `body exceeds ${limit} bytes after decompression`);
    throw new LoupeError('invalid_body', `body is not valid ${enc}: ${(e as Error).message}`);
  }
  throw new LoupeError('unsupported_media_type', `Content-Encoding "${encoding}" is not supported; use gzip, deflate, br or none`);
}

/**
 * Parses a JSON body, answering 400 with the parser's message when it is not JSON, and 400 when
 * it nests deeper than MAX_JSON_DEPTH (checked before parsing: see src/json-depth.ts).
 */
export function parseJson(buf: Buffer): unknown {
  const at = jsonTooDeep(buf);
  if (at >= 0) throw new LoupeError('invalid_body', `body nests arrays and objects more than ${MAX_JSON_DEPTH} deep (at byte ${at})`);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new LoupeError('invalid_body', `body is not valid JSON: ${(e as Error).message}`);
  }
}

/** A request's raw body as it reaches a route handler (fastify gives every route a Buffer). */
export interface RawRequest {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** The request body, decompressed per Content-Encoding and size-limited. */
export function requestBytes(req: RawRequest, limit: number): Promise<Buffer> {
  const enc = req.headers['content-encoding'];
  return decodeBody(req.body as Buffer, Array.isArray(enc) ? enc[0] : enc, limit);
}

/** The request body parsed as JSON (400 when it is not JSON). */
export async function requestJson(req: RawRequest, limit: number): Promise<unknown> {
  const buf = await requestBytes(req, limit);
  const value = parseJson(buf);
  if (buf.length >= YIELD_AFTER_PARSE_BYTES) await yieldToLoop();
  return value;
}

/** The request body parsed as JSON and checked against `schema` (400 invalid_body naming each issue). */
export async function requestBody<T extends z.ZodType>(req: RawRequest, limit: number, schema: T, root?: string): Promise<z.infer<T>> {
  const parsed = schema.safeParse(await requestJson(req, limit));
  if (!parsed.success) throw new LoupeError('invalid_body', issueText(parsed.error.issues, root));
  return parsed.data;
}
