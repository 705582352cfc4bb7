import { generateTraces, encodeRequest, toOtlpExport } from '../src/demo/index.ts';
import { decodeOtlpProto } from '../src/ingest/otlp/decode-proto.ts';
import { decodeOtlpJson } from '../src/ingest/otlp/decode-json.ts';
import { otlpToBatch } from '../src/ingest/otlp/to-batch.ts';
import { isDeepStrictEqual } from 'node:util';
let t = performance.now();
const traces = generateTraces({ count: 1000, seed: 7 });
console.log('gen ms', performance.now() - t);
const spans = traces.reduce((n, x) => n + x.spans.length, 0);
console.log('traces', traces.length, 'spans', spans, 'kinds', JSON.stringify(Object.entries(traces.flatMap(x=>x.spans).reduce((m: any, s) => (m[s.kind]=(m[s.kind]??0)+1, m), {}))));
for (const f of ['otlp-proto', 'otlp-json', 'native'] as const) {
  t = performance.now();
  const r = encodeRequest(traces, f);
  console.log(f, 'bytes/span', Math.round(r.body.length / r.spans), 'enc ms', Math.round(performance.now() - t));
}
const exp = toOtlpExport(traces.slice(0, 50));
const p = encodeRequest(traces.slice(0, 50), 'otlp-proto');
const back = decodeOtlpProto(p.body);
console.log('proto roundtrip', isDeepStrictEqual(back, exp));
const j = encodeRequest(traces.slice(0, 50), 'otlp-json');
console.log('json roundtrip', isDeepStrictEqual(decodeOtlpJson(j.body.toString()), exp));
const b = otlpToBatch(back);
const llm = b.batch.spans.filter(s => s.kind === 'llm');
console.log('llm spans', llm.length, 'models', [...new Set(llm.map(s=>s.model))], 'usage', llm[0].usage, 'kinds', [...new Set(b.batch.spans.map(s=>s.kind))]);
const llmBytes = traces.flatMap(x=>x.spans).filter(s=>s.llm).map(s => JSON.stringify(s.llm!.input).length + JSON.stringify(s.llm!.output).length);
console.log('llm msg bytes avg', Math.round(llmBytes.reduce((a,b)=>a+b,0)/llmBytes.length), 'min', Math.min(...llmBytes), 'max', Math.max(...llmBytes));
console.log('errors', traces.flatMap(x=>x.spans).filter(s=>s.error).length, 'sessions', new Set(traces.map(t=>t.sessionId)).size, 'users', new Set(traces.map(t=>t.userId)).size);
console.log(JSON.stringify(generateTraces({count:3, seed:7, now: 1})) === JSON.stringify(generateTraces({count:3, seed:7, now: 1})));
