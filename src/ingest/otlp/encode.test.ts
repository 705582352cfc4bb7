import { readFileSync, readdirSync } from 'node:fs';
import { expect, test } from 'vitest';
import { decodeOtlpJson } from './decode-json.js';
import { decodeOtlpProto } from './decode-proto.js';
import { encodeOtlpJson } from './encode-json.js';
import { encodeOtlpProto } from './encode-proto.js';
import type { OtlpExport } from './types.js';
import { generateTraces, toOtlpExport } from '../../demo/index.js';

const edge: OtlpExport = {
  resourceSpans: [{
    resource: { 'service.name': 'edge', nested: { a: [1, 'two', true, null, { b: -3 }] } },
    scopeSpans: [{
      scope: { name: 'scope', version: '1.0' },
      spans: [{
        traceId: '0123456789abcdef0123456789abcdef', spanId: '0123456789abcdef', parentSpanId: '', name: 'émoji 🚀 span', kind: 3,
        // 2^53 µs-scale times and one past 2^32 s (exercises the fixed64 high word).
        startTime: 1_767_225_600_123_456, endTime: 4_294_967_296_000_001,
        attributes: { neg: -42, big: 2 ** 52, dbl: 0.25, negDbl: -1.5e-7, t: true, f: false, empty: '', nul: null, long: 'x'.repeat(70_000), arr: [] },
        events: [{ time: 1_767_225_600_200_000, name: 'exception', attributes: { 'exception.type': 'E' } }, { name: 'no-time', attributes: {} }],
        links: [{ traceId: 'fedcba9876543210fedcba9876543210', spanId: 'fedcba9876543210', attributes: { why: 'follows' } }],
        statusCode: 2, statusMessage: 'failed',
      }],
    }],
  }],
};

test('protobuf encoding round-trips through decodeOtlpProto, edge values included', () => {
  expect(decodeOtlpProto(encodeOtlpProto(edge))).toEqual(edge);
});

test('JSON encoding round-trips through decodeOtlpJson', () => {
  expect(decodeOtlpJson(JSON.stringify(encodeOtlpJson(edge)))).toEqual(edge);
});

test('the shared OTLP JSON examples survive JSON -> protobuf -> decode unchanged', () => {
  const dir = new URL('../../../test/fixtures/examples/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.includes('otlp') && f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) {
    const exp = decodeOtlpJson(readFileSync(new URL(f, dir), 'utf8'));
    // Doubles that happen to be integers come back as ints in protobuf: compare what both decoders agree on.
    expect(decodeOtlpProto(encodeOtlpProto(exp))).toEqual(decodeOtlpJson(JSON.stringify(encodeOtlpJson(exp))));
  }
});

test('generated demo traces round-trip in both encodings', () => {
  const exp = toOtlpExport(generateTraces({ count: 40, seed: 3, now: 1_767_225_600_000_000 }));
  expect(decodeOtlpProto(encodeOtlpProto(exp))).toEqual(exp);
  expect(decodeOtlpJson(JSON.stringify(encodeOtlpJson(exp)))).toEqual(exp);
});
