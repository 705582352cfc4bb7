// Protobuf decoding against the real OpenTelemetry serializer: the same spans encoded by
// ProtobufTraceSerializer and JsonTraceSerializer must decode to the same OtlpExport (ids hex,
// int64, nested kvlist/array, doubles, bytes, times exact to the microsecond).
import { describe, expect, test } from 'vitest';
import { decodeOtlpJson } from '../../src/ingest/otlp/decode-json.js';
import { decodeOtlpProto } from '../../src/ingest/otlp/decode-proto.js';
import { otlpAdapter } from '../../src/ingest/otlp/index.js';
import { otlpProto, otlpSdkJson, type ResourceSpec } from '../helpers/otlp.js';

const T1 = '0af7651916cd43dd8448eb211c80319c';
const T2 = 'ffffffffffffffffffffffffffffff01';

const RESOURCES: ResourceSpec[] = [
  {
    attrs: { 'service.name': 'parity', 'service.version': '1.2.3', 'deployment.environment.name': 'test', 'host.cpus': 8 },
    scope: { name: 'parity.scope', version: '0.0.1' },
    spans: [
      {
        traceId: T1, spanId: 'b7ad6b7169203331', name: 'root', kind: 2,
        start: '1718000000123456789', end: '1718000001987654321',
        status: { code: 1 },
        attrs: {
          str: 'hello', empty: '', unicode: 'naïve ☕ 日本',
          int: 42, zero: 0, neg: -7, minusBig: -1234567890123, safeMax: Number.MAX_SAFE_INTEGER, pow60: 2 ** 60,
          dbl: 2.5, tiny: 1.5e-9, negDbl: -0.25,
          yes: true, no: false,
          strs: ['a', 'b', ''], ints: [1, 2, 3], mixed: ['x', 1, 2.5, true],
          nested: { a: 'x', b: { c: [1, { d: 'deep' }] }, e: [] },
          raw: new Uint8Array([0, 1, 2, 253, 254, 255]),
        },
        events: [
          { name: 'exception', time: '1718000001000000999', attrs: { 'exception.type': 'Boom', 'exception.message': 'it broke', 'exception.stacktrace': 'Boom: it broke\n  at x' } },
          { name: 'note', time: '1718000001500000000' },
        ],
        links: [{ traceId: T2, spanId: '00f067aa0ba902b7', attrs: { why: 'retry' } }],
      },
      {
        traceId: T1, spanId: '00f067aa0ba902b7', parentId: 'b7ad6b7169203331', name: 'chat gpt-4o', kind: 3,
        start: '1718000000200000001', end: '1718000000900000000',
        status: { code: 2, message: 'rate limited' },
        attrs: {
          'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o',
          'gen_ai.request.temperature': 0.3, 'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 30,
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]),
        },
      },
    ],
  },
  {
    attrs: { 'service.name': 'second' },
    spans: [
      // An open span: no end time yet.
      { traceId: T2, spanId: '1111111111111111', name: 'open', start: '1718000002000000000' },
    ],
  },
];

describe('OTLP protobuf decoding', () => {
  const proto = otlpProto(RESOURCES);
  const json = otlpSdkJson(RESOURCES);

  test('protobuf and JSON from the real serializers decode to the same export', () => {
    expect(decodeOtlpProto(proto)).toEqual(decodeOtlpJson(json.toString('utf8')));
  });

  test('the decoded values are the ones sent', () => {
    const exp = decodeOtlpProto(proto);
    expect(exp.resourceSpans).toHaveLength(2);
    const rs = exp.resourceSpans[0];
    expect(rs.resource).toEqual({ 'service.name': 'parity', 'service.version': '1.2.3', 'deployment.environment.name': 'test', 'host.cpus': 8 });
    expect(rs.scopeSpans[0].scope).toEqual({ name: 'parity.scope', version: '0.0.1' });
    const [root, chat] = rs.scopeSpans[0].spans;
    expect(root.traceId).toBe(T1);
    expect(root.spanId).toBe('b7ad6b7169203331');
    expect(root.parentSpanId).toBe('');
    expect(root.kind).toBe(2);
    expect(root.startTime).toBe(1718000000123456); // ns → µs, truncated, exact
    expect(root.endTime).toBe(1718000001987654);
    expect(root.statusCode).toBe(1);
    expect(root.attributes).toEqual({
      str: 'hello', empty: '', unicode: 'naïve ☕ 日本',
      int: 42, zero: 0, neg: -7, minusBig: -1234567890123, safeMax: Number.MAX_SAFE_INTEGER, pow60: '1152921504606846976',
      dbl: 2.5, tiny: 1.5e-9, negDbl: -0.25,
      yes: true, no: false,
      strs: ['a', 'b', ''], ints: [1, 2, 3], mixed: ['x', 1, 2.5, true],
      nested: { a: 'x', b: { c: [1, { d: 'deep' }] }, e: [] },
      raw: Buffer.from([0, 1, 2, 253, 254, 255]).toString('base64'),
    });
    expect(root.events.map((e) => [e.name, e.time])).toEqual([['exception', 1718000001000000], ['note', 1718000001500000]]);
    expect(root.links).toEqual([{ traceId: T2, spanId: '00f067aa0ba902b7', attributes: { why: 'retry' } }]);
    expect(chat.parentSpanId).toBe('b7ad6b7169203331');
    expect(chat.startTime).toBe(1718000000200000);
    expect(chat.statusCode).toBe(2);
    expect(chat.statusMessage).toBe('rate limited');
    const open = exp.resourceSpans[1].scopeSpans[0].spans[0];
    expect(open.traceId).toBe(T2);
    expect(open.endTime).toBeUndefined();
  });

  test('both encodings map to the same batch', () => {
    const a = otlpAdapter(proto, 'protobuf');
    const b = otlpAdapter(json, 'json');
    expect(a).toEqual(b);
    const chat = a.batch.spans.find((s) => s.id === '00f067aa0ba902b7');
    expect(chat).toMatchObject({ kind: 'llm', model: 'gpt-4o', status: 'error', usage: { inputTokens: 120, outputTokens: 30 } });
    const root = a.batch.spans.find((s) => s.id === 'b7ad6b7169203331');
    expect(root?.status).toBe('error'); // the exception event makes it an error even with status OK
    expect(root?.error).toBe('Boom: it broke\n  at x');
  });

  test('an empty body is an empty export', () => {
    expect(decodeOtlpProto(Buffer.alloc(0))).toEqual({ resourceSpans: [] });
  });
});
