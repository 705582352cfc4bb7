// A small fuzz test of the OTLP adapter (decoders and mappers): random, truncated, bit-flipped
// and type-mutated bodies may be refused, but only ever with OtlpDecodeError (a 400), never
// with any other exception. Seeded, so a failure reproduces.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { OtlpDecodeError, otlpAdapter, type OtlpEncoding } from '../../src/ingest/otlp/index.js';
import { otlpProto, prng, type ResourceSpec } from '../helpers/otlp.js';

const OTLP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'otlp');
const jsonFixtures = readdirSync(OTLP_DIR).filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json')).map((f) => readFileSync(join(OTLP_DIR, f), 'utf8'));

const SAMPLE: ResourceSpec[] = [{
  attrs: { 'service.name': 'fuzz' },
  spans: [
    { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'root', start: '1718000000123456789', end: '1718000001000000000',
      attrs: { 'openinference.span.kind': 'LLM', 'llm.input_messages.0.message.role': 'user', 'llm.input_messages.0.message.content': 'hi', 'llm.token_count.prompt': 5, n: { a: [1, 2.5, 'x'] }, b: new Uint8Array([1, 2]) },
      events: [{ name: 'exception', time: '1718000000500000000', attrs: { 'exception.message': 'x' } }],
      links: [{ traceId: '0af7651916cd43dd8448eb211c80319d', spanId: 'b7ad6b7169203332' }] },
  ],
}];

/** Runs the adapter; returns 'ok' or 'refused', and fails the test on any other exception. */
function attempt(body: Buffer, enc: OtlpEncoding): 'ok' | 'refused' {
  try {
    otlpAdapter(body, enc);
    return 'ok';
  } catch (e) {
    if (e instanceof OtlpDecodeError) return 'refused';
    throw new Error(`${enc} body ${body.toString(enc === 'json' ? 'utf8' : 'base64').slice(0, 300)} threw ${(e as Error).stack}`);
  }
}

const WEIRD: unknown[] = [null, 0, -1, 1.5, 1e300, -1e300, '', 'x', 'NaN', '99999999999999999999999999', '-5', true, [], {}, [null], { stringValue: 1 }, { intValue: {} }, { arrayValue: 5 }, { kvlistValue: { values: [1] } },
  // Objects String() cannot turn into text (it throws on a toString that is not a function).
  { toString: 'x' }, { stringValue: { toString: 1 } }, { intValue: { valueOf: 'x', toString: 'x' } }, ['a', { toString: 'x' }]];

/** Replaces one random node of a JSON tree with a weird value, or deletes it. */
function mutate(root: unknown, rnd: () => number): unknown {
  const clone = JSON.parse(JSON.stringify(root)) as unknown;
  const nodes: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => { nodes.push([v, i]); walk(x); });
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { nodes.push([v as Record<string, unknown>, k]); walk(x); }
  };
  walk(clone);
  for (let n = 0; n < 1 + Math.floor(rnd() * 3) && nodes.length; n++) {
    const [parent, key] = nodes[Math.floor(rnd() * nodes.length)];
    const value = WEIRD[Math.floor(rnd() * WEIRD.length)];
    if (rnd() < 0.15 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
    else (parent as Record<string | number, unknown>)[key] = JSON.parse(JSON.stringify(value)) as unknown;
  }
  return clone;
}

describe('OTLP adapter fuzz', () => {
  const rnd = prng(20260611);
  const valid = otlpProto(SAMPLE);

  test('random bytes', () => {
    for (let i = 0; i < 400; i++) {
      const body = Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
      attempt(body, 'protobuf');
      attempt(body, 'json');
    }
  });

  test('every truncation of a valid protobuf body', () => {
    let refused = 0;
    for (let n = 0; n < valid.length; n++) if (attempt(valid.subarray(0, n), 'protobuf') === 'refused') refused++;
    expect(refused).toBeGreaterThan(0);
    expect(attempt(valid, 'protobuf')).toBe('ok');
  });

  test('bit flips and byte splices in a valid protobuf body', () => {
    for (let i = 0; i < 400; i++) {
      const body = Buffer.from(valid);
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
        const at = Math.floor(rnd() * body.length);
        body[at] = rnd() < 0.5 ? body[at] ^ (1 << Math.floor(rnd() * 8)) : Math.floor(rnd() * 256);
      }
      attempt(body, 'protobuf');
    }
  });

  test('truncated JSON fixtures', () => {
    for (const text of jsonFixtures) {
      for (let i = 0; i < 40; i++) expect(attempt(Buffer.from(text.slice(0, Math.floor(rnd() * text.trimEnd().length))), 'json')).toBe('refused');
    }
  });

  test('JSON fixtures with values of the wrong type', () => {
    for (const text of jsonFixtures) {
      const root = JSON.parse(text) as unknown;
      for (let i = 0; i < 80; i++) attempt(Buffer.from(JSON.stringify(mutate(root, rnd))), 'json');
    }
  });
});
