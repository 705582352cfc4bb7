// The demo trace generator: pure and seeded. Users hold sessions of several turns; each turn is a
// chat completion, a RAG answer (embed, retrieve, rerank, generate) or an agent run whose every
// LLM call resends the whole growing conversation, with tool calls that sometimes fail.
import type { ChatMessage, ToolCall } from '../model/messages.js';
import { CHAT_MODELS, EMBEDDING_MODEL, KB_SIZE, LLM_ERRORS, RERANK_MODEL, TOOLS, apps, kbDoc, prose, sentence, type DemoApp, type DemoModel } from './corpus.js';
import { Rng } from './rng.js';
import type { DemoDoc, DemoLlm, DemoSpan, DemoStyle, DemoTrace } from './types.js';

export interface GenerateOptions {
  count: number;
  seed?: number;
  /** Time range (µs) the traces start in, in index order; defaults to the 7 days before `now`. */
  from?: number;
  to?: number;
  now?: number;
  /** 8 hex chars put at the start of every trace id and into every unique message (the benchmark rewrites it per replay). */
  tag?: string;
  /** Mix of scenarios by weight. */
  mix?: { chat: number; rag: number; agent: number };
  users?: number;
}

type Scenario = 'chat' | 'rag' | 'agent';

/** Apps resend only the most recent messages of a session (a sliding window, as most do). */
const HISTORY = 6;

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));
const contentText = (m: ChatMessage) => (typeof m.content === 'string' ? m.content : '') + (m.tool_calls ? JSON.stringify(m.tool_calls) : '');
const messageTokens = (msgs: ChatMessage[]) => msgs.reduce((n, m) => n + 4 + tokens(contentText(m)), 0);

interface Ctx {
  rng: Rng;
  seed: number;
  tag: string;
  app: DemoApp;
  model: DemoModel;
  style: DemoStyle;
  traceId: string;
  spans: DemoSpan[];
  spanSeq: number;
  /** Set when the trace as a whole failed. */
  failed: boolean;
}

function spanId(c: Ctx): string {
  return c.rng.hex(8);
}

function llmCall(c: Ctx, parentId: string, start: number, input: ChatMessage[], output: ChatMessage, name = 'ChatCompletion'): DemoSpan {
  const { rng, model } = c;
  const inTok = messageTokens(input);
  const outTok = tokens(contentText(output));
  const reasoning = model.reasoning ? rng.int(100, 2000) : undefined;
  const cacheRead = model.cache && inTok > 1024 && rng.chance(0.7) ? Math.floor(inTok * rng.int(40, 90) / 100) : undefined;
  const totalOut = outTok + (reasoning ?? 0);
  const ms = rng.around(250, 0.4) + (totalOut / model.speed) * 1000;
  const llm: DemoLlm = {
    model: model.name, provider: model.provider,
    params: { temperature: rng.pick([0, 0.2, 0.5, 0.7, 1]), max_tokens: rng.pick([512, 1024, 2048, 4096]) },
    input, output: [output], inputTokens: inTok, outputTokens: totalOut,
    ...(cacheRead ? { cacheReadTokens: cacheRead } : {}), ...(reasoning ? { reasoningTokens: reasoning } : {}),
    costUsd: Math.round(((inTok - (cacheRead ?? 0) * 0.5) * model.inPrice + totalOut * model.outPrice)) / 1e6,
    finishReason: output.tool_calls ? 'tool_calls' : 'stop',
    responseId: `chatcmpl-${rng.hex(12)}`,
  };
  return { id: spanId(c), parentId, name, kind: 'llm', start, end: start + Math.round(ms * 1000), llm };
}

function failLlm(c: Ctx, s: DemoSpan): void {
  const [type, message] = c.rng.pick(LLM_ERRORS);
  s.error = { type, message, stack: `Traceback (most recent call last):\n  File "app/llm.py", line ${c.rng.int(20, 300)}, in complete\n    raise ${type}(message)\n${type}: ${message}` };
  s.end = s.start + Math.round(c.rng.around(800) * 1000);
  if (s.llm) {
    s.llm.output = [];
    s.llm.outputTokens = 0;
    s.llm.costUsd = 0;
  }
}

function docs(c: Ctx, n: number): DemoDoc[] {
  const out: DemoDoc[] = [];
  let score = 0.9 - c.rng.next() * 0.1;
  for (let i = 0; i < n; i++) {
    const d = kbDoc(c.seed, c.rng.int(0, KB_SIZE - 1), (...s) => new Rng(...s));
    out.push({ ...d, score: Math.round(score * 1000) / 1000 });
    score -= c.rng.next() * 0.08;
  }
  return out;
}

/** One user turn of a session: returns the messages the turn adds to the conversation. */
function turn(c: Ctx, scenario: Scenario, history: ChatMessage[], question: string, t0: number): { added: ChatMessage[]; answer: string; end: number } {
  const { rng } = c;
  const root: DemoSpan = { id: spanId(c), name: `${c.app.name}.${scenario === 'agent' ? 'run' : scenario}`, kind: scenario === 'agent' ? 'agent' : 'chain', start: t0, end: t0, input: question };
  c.spans.push(root);
  const user: ChatMessage = { role: 'user', content: question };
  const system: ChatMessage = { role: 'system', content: c.app.system };
  let t = t0 + rng.int(1000, 20000);

  if (rng.chance(0.3)) {
    const g: DemoSpan = { id: spanId(c), parentId: root.id, name: 'moderation', kind: 'guardrail', start: t, end: t + rng.int(20000, 120000), input: question, output: JSON.stringify({ flagged: false, categories: {} }) };
    c.spans.push(g);
    t = g.end;
  }

  let answer = '';
  const added: ChatMessage[] = [user];
  if (scenario === 'chat') {
    answer = `${prose(rng, rng.int(200, 900))} (ref ${c.tag})`;
    const s = llmCall(c, root.id, t, [system, ...history, user], { role: 'assistant', content: answer });
    c.spans.push(s);
    if (rng.chance(0.03)) failLlm(c, s);
    t = s.end;
  } else if (scenario === 'rag') {
    const e: DemoSpan = { id: spanId(c), parentId: root.id, name: 'embed_query', kind: 'embedding', start: t, end: t + Math.round(rng.around(80) * 1000), embedding: { model: EMBEDDING_MODEL, text: question, inputTokens: tokens(question) } };
    const found = docs(c, 8);
    const r: DemoSpan = { id: spanId(c), parentId: root.id, name: 'vector_search', kind: 'retrieval', start: e.end, end: e.end + Math.round(rng.around(60) * 1000), retrieval: { query: question, documents: found } };
    const kept = [...found].sort(() => 0).slice(0, 3).map((d) => ({ ...d, score: Math.round(rng.next() * 1000) / 1000 })).sort((a, b) => b.score - a.score);
    const rr: DemoSpan = { id: spanId(c), parentId: root.id, name: 'rerank', kind: 'reranker', start: r.end, end: r.end + Math.round(rng.around(150) * 1000), rerank: { query: question, model: RERANK_MODEL, topK: 3, input: found, output: kept } };
    c.spans.push(e, r, rr);
    const context: ChatMessage = { role: 'system', content: `Knowledge base excerpts:\n\n${kept.map((d) => `[${d.id}]\n${d.content}`).join('\n\n')}` };
    answer = `${prose(rng, rng.int(150, 600))} Sources: ${kept.map((d) => d.id).join(', ')}. (ref ${c.tag})`;
    const s = llmCall(c, root.id, rr.end, [system, ...history, context, user], { role: 'assistant', content: answer });
    c.spans.push(s);
    if (rng.chance(0.03)) failLlm(c, s);
    t = s.end;
  } else {
    const convo: ChatMessage[] = [system, ...history, user];
    const rounds = rng.int(1, 3);
    for (let round = 0; round <= rounds; round++) {
      const last = round === rounds;
      const calls: Array<{ tool: (typeof TOOLS)[number]; call: ToolCall; args: Record<string, unknown> }> = [];
      if (!last) {
        for (let k = rng.weighted([[1, 6], [2, 3], [3, 1]] as const); k > 0; k--) {
          const tool = rng.pick(TOOLS);
          const args = tool.args(rng);
          // The call id carries the tag, so a bench replay makes it new, as every real call's is.
          calls.push({ tool, args, call: { id: `call_${c.tag}${rng.hex(12).slice(8)}`, type: 'function', function: { name: tool.name, arguments: JSON.stringify(args) } } });
        }
      }
      answer = last ? `${prose(rng, rng.int(150, 700))} (ref ${c.tag})` : '';
      const out: ChatMessage = last ? { role: 'assistant', content: answer } : { role: 'assistant', content: rng.chance(0.5) ? sentence(rng) : null, tool_calls: calls.map((x) => x.call) };
      const s = llmCall(c, root.id, t, [...convo], out);
      c.spans.push(s);
      t = s.end;
      if (rng.chance(0.02)) {
        failLlm(c, s);
        c.failed = true;
        t = s.end;
        break;
      }
      if (last) break;
      convo.push(out);
      added.push(out);
      for (const x of calls) {
        const ts: DemoSpan = { id: spanId(c), parentId: root.id, name: x.tool.name, kind: 'tool', start: t, end: t + Math.round(rng.around(120) * 1000),
          tool: { name: x.tool.name, description: x.tool.description, callId: x.call.id ?? '', args: x.args, result: '' } };
        let content: string;
        if (rng.chance(x.tool.failure)) {
          const [type, message] = rng.pick(x.tool.errors);
          ts.error = { type, message, stack: `${type}: ${message}\n    at ${x.tool.name} (tools/${x.tool.name}.ts:${rng.int(10, 200)}:${rng.int(3, 40)})` };
          content = JSON.stringify({ error: type, message });
        } else {
          content = x.tool.result(rng, x.args);
        }
        ts.tool!.result = content;
        c.spans.push(ts);
        t = ts.end;
        const msg: ChatMessage = { role: 'tool', tool_call_id: x.call.id, content };
        convo.push(msg);
        added.push(msg);
      }
    }
  }
  root.end = t + rng.int(500, 5000);
  root.output = c.failed ? undefined : answer;
  const lastLlm = c.spans[c.spans.length - 1];
  if (lastLlm.error && scenario !== 'agent') c.failed = true;
  if (c.failed) root.error = { type: 'AgentError', message: `turn failed: ${lastLlm.error?.message ?? 'tool error'}`, stack: '' };
  if (!c.failed) added.push({ role: 'assistant', content: answer });
  return { added, answer, end: root.end };
}

/** Generates `count` traces in start-time order, grouped into user sessions. */
export function generateTraces(o: GenerateOptions): DemoTrace[] {
  const seed = o.seed ?? 1;
  const now = o.now ?? Date.now() * 1000;
  const to = o.to ?? now - 60_000_000;
  const from = o.from ?? to - 7 * 86_400_000_000;
  const tag = o.tag ?? new Rng(seed, 0x7a9).hex(4);
  const mix = o.mix ?? { chat: 4, rag: 3, agent: 3 };
  const users = o.users ?? Math.max(5, Math.ceil(o.count / 20));
  const appList = apps(new Rng(seed, 0xa99));
  const out: DemoTrace[] = [];
  let session = 0;
  while (out.length < o.count) {
    const rng = new Rng(seed, 0x5e55, session);
    const turns = Math.min(rng.int(1, 5), o.count - out.length);
    const scenario = rng.weighted<Scenario>([['chat', mix.chat], ['rag', mix.rag], ['agent', mix.agent]]);
    const app = appList[(session * 7 + rng.int(0, 5)) % appList.length];
    const model = rng.weighted(CHAT_MODELS);
    const style: DemoStyle = rng.chance(0.6) ? 'openinference' : 'genai';
    const userId = `user-${String(rng.int(1, users)).padStart(4, '0')}`;
    const sessionId = `sess-${rng.hex(6)}`;
    const environment = rng.weighted([['production', 8], ['staging', 2]] as const);
    const release = `v1.${rng.int(4, 9)}.${rng.int(0, 12)}`;
    const history: ChatMessage[] = [];
    let t = from + Math.floor(((to - from) * out.length) / o.count);
    for (let k = 0; k < turns; k++) {
      const c: Ctx = { rng, seed, tag, app, model, style, traceId: `${tag}${rng.hex(12)}`, spans: [], spanSeq: 0, failed: false };
      const question = `${sentence(rng, 6, 18)} ${rng.chance(0.5) ? prose(rng, rng.int(40, 300)) : ''} (ref ${tag})`.replace(/\s+\(/, ' (');
      const r = turn(c, scenario, history.slice(-HISTORY), question, t);
      const tags = [scenario, app.name, ...(model.provider === 'openai' ? [] : [model.provider]), ...(c.failed ? ['failed'] : [])];
      out.push({
        id: c.traceId, name: `${app.name}.${scenario}`, userId, sessionId, environment, release, service: app.service, tags,
        metadata: { app: app.name, turn: String(k + 1), region: rng.pick(['eu-west-1', 'us-east-1', 'ap-south-1']) },
        style, input: question, output: c.failed ? undefined : r.answer, spans: c.spans,
      });
      history.push(...r.added);
      t = r.end + rng.int(5, 240) * 1_000_000;
    }
    session++;
  }
  return out;
}
