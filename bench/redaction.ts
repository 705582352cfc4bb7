// Redaction's cost per span (issue 14, item 11): ~4 KB spans (chat messages, output, attributes,
// metadata) redacted with every built-in on, with one custom rule added, and the off path.
// A timing to read, not a test: `node bin/run-ts.js bench/redaction.ts [spans]`.
import type { Batch, SpanUpsert } from '../src/model/batch.js';
import { compileRules, redactBatch, RedactionRules } from '../src/ingest/redaction/index.js';

const N = Number(process.argv[2] ?? 5000);
const words = 'the order ships tomorrow please check your account settings and reset the password before you retry the payment with a new card'.split(' ');
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const prose = (chars: number) => {
  let s = '';
  while (s.length < chars) s += `${words[Math.floor(rnd() * words.length)]} `;
  return s;
};

function span(i: number, pii: boolean): SpanUpsert {
  const extra = pii ? ` mail jane.${i}@example.com or call +44 20 7946 ${String(1000 + (i % 9000))}, key sk-proj-${i}abcDEF1234567890ghij` : '';
  return {
    id: `s${i}`, traceId: `t${i}`, name: 'llm',
    input: [{ role: 'system', content: prose(900) }, { role: 'user', content: prose(900) + extra }],
    output: { role: 'assistant', content: prose(1200) },
    attributes: { 'llm.model_name': 'gpt-4o', 'input.mime_type': 'application/json', 'session.id': `sess-${i}`, 'app.note': prose(600) },
    metadata: { tenant: 'acme', region: 'eu-west-1', note: prose(300) },
  };
}

function time(label: string, rules: RedactionRules | null, pii: boolean): void {
  const compiled = rules ? compileRules(rules) : null;
  const batches: Batch[] = [];
  for (let i = 0; i < N; i++) batches.push({ traces: [], spans: [span(i, pii)], scores: [] });
  const bytes = JSON.stringify(batches[0].spans[0]).length;
  const t0 = process.hrtime.bigint();
  let masked = 0;
  for (const b of batches) if (compiled) for (const n of redactBatch(b, compiled).values()) masked += n;
  const us = Number(process.hrtime.bigint() - t0) / 1000 / N;
  console.log(`${label.padEnd(44)} ${us.toFixed(1).padStart(7)} µs/span  (${bytes} B span, ${masked} masks)`);
}

const builtins = { email: true, phone: true, card: true, iban: true, api_key: true, token: true };
for (let round = 0; round < 2; round++) {
  // The first round warms the JIT; the second is the one to read.
  console.log(round === 0 ? '-- warm-up' : `-- ${N} spans`);
  time('off (nothing compiled: the pipeline skips)', null, true);
  time('email, card, iban, phone (no api_key, token)', RedactionRules.parse({ builtins: { email: true, card: true, iban: true, phone: true } }), true);
  time('all built-ins, clean text', RedactionRules.parse({ builtins }), false);
  time('all built-ins, 3 secrets per span', RedactionRules.parse({ builtins }), true);
  time('all built-ins + 1 custom rule, 3 secrets', RedactionRules.parse({ builtins, rules: [{ name: 'ticket', pattern: 'T-\\d{6}' }] }), true);
}
