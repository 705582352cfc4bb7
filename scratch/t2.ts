import { generateTraces, toOtlpExport } from '../src/demo/index.ts';
import { encodeOtlpProto } from '../src/ingest/otlp/encode-proto.ts';
const traces = generateTraces({ count: 1000, seed: 7 });
for (let i = 0; i < 3; i++) {
  let t = performance.now(); const e = toOtlpExport(traces); const a = performance.now() - t;
  t = performance.now(); const b = encodeOtlpProto(e); console.log('export', a.toFixed(0), 'encode', (performance.now() - t).toFixed(0), b.length);
}
