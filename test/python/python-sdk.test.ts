// The Python SDK (sdk/python) against a real server: its unittest suite run with python3 as a
// child process, and the same calls made through the Python and the TypeScript SDK compared as
// stored (kinds, names, input/output, parent structure, usage, errors, scores).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loupe, wrapOpenAI } from '@loupe/sdk';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PY_SRC = join(REPO, 'sdk', 'python', 'src');
const PY_TESTS = join(REPO, 'sdk', 'python', 'tests');
const SUITE_TIMEOUT_MS = 240_000;
// Seed 004 (the interface the SDK must run unchanged): shared/ sits beside the checkout (CI lays a
// copy there), or at the workplace's /work/shared.
const SEED_DIRS = [join(REPO, '..', 'shared', 'seeds'), '/work/shared/seeds'];
const SEED_DIR = SEED_DIRS.find((d) => existsSync(d) && readdirSync(d).some((f) => /^004_.*\.txt$/.test(f)));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function python(args: string[], env: Record<string, string>, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile('python3', args, {
      cwd: REPO,
      env: { ...process.env, PYTHONPATH: PY_SRC, PYTHONDONTWRITEBYTECODE: '1', ...env },
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      const killed = err && 'killed' in err && err.killed ? `\n[killed after ${timeoutMs} ms]` : '';
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + killed });
    });
  });
}

interface StoredSpan {
  id: string;
  parentId: string | null;
  kind: string;
  name: string | null;
  status: string;
  error: string | null;
  endTime: string | null;
  input: unknown;
  output: unknown;
  model: string | null;
  provider: string | null;
  params: Record<string, unknown>;
  usage: Record<string, number>;
  metadata: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
}

interface StoredScore {
  spanId: string | null;
  name: string;
  value: unknown;
  comment: string | null;
  source: string;
}

interface Detail {
  trace: Record<string, unknown>;
  spans: StoredSpan[];
  scores: StoredScore[];
}

async function readTrace(srv: TestServer, id: string): Promise<Detail> {
  const a = await call<Detail>(srv.url, `/api/v1/traces/${id}`, { key: srv.key });
  expect(a.status, `trace ${id}`).toBe(200);
  return a.json;
}

/** What both SDKs must agree on: everything but ids and times, parents as paths of kind:name. */
function shape(d: Detail): unknown {
  const byId = new Map(d.spans.map((s) => [s.id, s]));
  const path = (id: string | null): string => {
    const parts: string[] = [];
    for (let s = id ? byId.get(id) : undefined; s; s = s.parentId ? byId.get(s.parentId) : undefined) parts.unshift(`${s.kind}:${s.name}`);
    return parts.join(' > ');
  };
  const t = d.trace;
  return {
    trace: {
      name: t.name, status: t.status, input: t.input, output: t.output, userId: t.userId, sessionId: t.sessionId,
      environment: t.environment, metadata: t.metadata, spanCount: t.spanCount, errorCount: t.errorCount,
      inputTokens: t.inputTokens, outputTokens: t.outputTokens, ended: t.endTime !== null,
    },
    spans: d.spans.map((s) => ({
      path: path(s.id), parent: path(s.parentId), kind: s.kind, name: s.name, status: s.status, error: s.error,
      ended: s.endTime !== null, input: s.input, output: s.output, model: s.model, provider: s.provider, params: s.params,
      usage: s.usage, metadata: s.metadata,
      events: s.events.map((e) => ({ name: e.name, type: e.attributes['exception.type'], message: e.attributes['exception.message'] })),
    })).sort((a, b) => a.path.localeCompare(b.path)),
    scores: d.scores.map((s) => ({ span: path(s.spanId), name: s.name, value: s.value, comment: s.comment, source: s.source }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

const PY_SCENARIO = `
import os
from loupe import Loupe, Metadata, User
client = Loupe(api_key=os.environ["LOUPE_API_KEY"], base_url=os.environ["LOUPE_BASE_URL"])
trace = client.trace(name="parity", conversation_id="conv_parity", metadata=Metadata(environment="production"), user=User(id="user_parity"), input="Tell me about neural networks")
message = trace.message("User: Tell me about neural networks")
retrieval = message.retrieval("Searching documentation")
retrieval.end([{"id": "doc-1", "content": "Neural networks are...", "score": 0.92}])
generation = message.generation(name="explain", model="gpt-4o-mini", params={"temperature": 0.3}, input=[{"role": "user", "content": "Tell me"}])
generation.end(output={"id": "c1", "object": "chat.completion", "model": "gpt-4o-mini", "choices": [{"index": 0, "message": {"role": "assistant", "content": "They are..."}}]},
               usage={"prompt_tokens": 12, "completion_tokens": 30, "prompt_tokens_details": {"cached_tokens": 4}})
responses = message.generation({"model": "gpt-4.1", "instructions": "Be brief.", "input": "Summarise", "temperature": 1, "stream": False})
responses.end({"id": "resp_1", "object": "response", "model": "gpt-4.1", "status": "completed", "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Short."}]}, {"type": "function_call", "call_id": "call_2", "name": "lookup", "arguments": "{}"}], "usage": {"input_tokens": 5, "output_tokens": 2, "output_tokens_details": {"reasoning_tokens": 1}}})
tool = message.tool({"q": "nn"}, name="lookup")
tool.error(ValueError("rate limited"))
tool.end()
agent = message.agent("Planning next action")
agent.log("branch: search", {"branch": "search"})
agent.end("Decided to search database")
system = trace.system("Initializing cache")
system.update(metadata={"warm": True}, name="cache warmup")
system.end("Cache warmed up")
message.end("Bot: Neural networks are...")
trace.feedback(feedback_tag="THUMBS_UP", feedback_text="User marked response as helpful")
message.feedback(feedback_tag="helpfulness", value=4)
pending = trace.span(kind="chain", name="pending work")
client.flush()
pending.end("done later")
trace.end("Bot: Neural networks are...")
client.flush()
print(trace.id)
`;

function tsScenario(loupe: Loupe): Trace {
  const trace = loupe.trace({ name: 'parity', conversationId: 'conv_parity', environment: 'production', userId: 'user_parity', input: 'Tell me about neural networks' });
  const message = trace.message('User: Tell me about neural networks');
  const retrieval = message.retrieval('Searching documentation');
  retrieval.end([{ id: 'doc-1', content: 'Neural networks are...', score: 0.92 }]);
  const generation = message.generation({ name: 'explain', model: 'gpt-4o-mini', params: { temperature: 0.3 }, input: [{ role: 'user', content: 'Tell me' }] });
  generation.end({
    output: { id: 'c1', object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'They are...' } }] },
    usage: { prompt_tokens: 12, completion_tokens: 30, prompt_tokens_details: { cached_tokens: 4 } },
  });
  const responses = message.generation({ model: 'gpt-4.1', instructions: 'Be brief.', input: 'Summarise', temperature: 1, stream: false });
  responses.end({
    id: 'resp_1', object: 'response', model: 'gpt-4.1', status: 'completed',
    output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Short.' }] }, { type: 'function_call', call_id: 'call_2', name: 'lookup', arguments: '{}' }],
    usage: { input_tokens: 5, output_tokens: 2, output_tokens_details: { reasoning_tokens: 1 } },
  });
  const tool = message.tool({ q: 'nn' }, { name: 'lookup' });
  const err = new Error('rate limited');
  err.name = 'ValueError';
  tool.error(err);
  tool.end();
  const agent = message.agent('Planning next action');
  agent.log('branch: search', { branch: 'search' });
  agent.end('Decided to search database');
  const system = trace.system('Initializing cache');
  system.update({ metadata: { warm: true }, name: 'cache warmup' });
  system.end('Cache warmed up');
  message.end('Bot: Neural networks are...');
  trace.feedback({ tag: 'THUMBS_UP', text: 'User marked response as helpful' });
  message.feedback({ tag: 'helpfulness', value: 4 });
  return trace;
}

type Trace = ReturnType<Loupe['trace']>;

// An OpenAI-shaped client's answers, the same for both SDKs' wrappers.
const OPENAI = {
  completion: {
    id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp',
    choices: [{
      index: 0, finish_reason: 'tool_calls', logprobs: null,
      message: {
        role: 'assistant', content: null, refusal: null, annotations: [],
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
      },
    }],
    usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, prompt_tokens_details: { cached_tokens: 32 }, completion_tokens_details: { reasoning_tokens: 8 } },
  },
  chunks: [
    { id: 'c', object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta: { role: 'assistant', content: 'It is ' }, finish_reason: null }] },
    { id: 'c', object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta: { content: 'sunny.' }, finish_reason: null }] },
    { id: 'c', object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name: 'log', arguments: '{}' } }] }, finish_reason: 'stop' }] },
    { id: 'c', object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024-07-18', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } },
  ],
  messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Oslo?' }],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
};

const PY_OPENAI = `
import json, os
from loupe import Loupe, wrap_openai
data = json.loads(os.environ["PARITY_DATA"])
client = Loupe(api_key=os.environ["LOUPE_API_KEY"], base_url=os.environ["LOUPE_BASE_URL"])

class Completions:
    def create(self, **kw):
        return iter(data["chunks"]) if kw.get("stream") else data["completion"]

class Box:
    pass

fake = Box()
fake.chat = Box()
fake.chat.completions = Completions()
oa = wrap_openai(fake)

@client.observe(name="openai-parity", kind="agent")
def agent(q):
    oa.chat.completions.create(model="gpt-4o-mini", messages=data["messages"], temperature=0.2, tools=data["tools"])
    for _ in oa.chat.completions.create(model="gpt-4o-mini", messages=data["messages"], stream=True, stream_options={"include_usage": True}):
        pass
    print(client.current().trace_id)
    return "done"

agent("Weather in Oslo?")
client.flush()
`;

/** The stream's first-chunk time is the one thing that differs between two runs. */
function withoutTimings(shaped: unknown): unknown {
  return JSON.parse(JSON.stringify(shaped, (k, v: unknown) => (k === 'timeToFirstChunkMs' ? undefined : v)));
}

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer('python-sdk');
});
afterAll(async () => {
  await srv.close();
});

describe('Python SDK', () => {
  it('passes its unittest suite against a real server', async () => {
    expect(SEED_DIR, `seed 004 (004_*.txt) not found in ${SEED_DIRS.join(' or ')}`).toBeDefined();
    const began = Date.now();
    const r = await python(['-m', 'unittest', 'discover', '-s', PY_TESTS, '-v'], { LOUPE_TEST_URL: srv.url, LOUPE_TEST_KEY: srv.key, LOUPE_SEED_DIR: SEED_DIR ?? '' }, SUITE_TIMEOUT_MS);
    const output = `${r.stdout}\n${r.stderr}`;
    expect(r.code, `python3 -m unittest failed (exit ${r.code}) after ${Date.now() - began} ms:\n${output}`).toBe(0);
    expect(output).toMatch(/\nOK/);
    // Every test ran: none skipped for want of a server or of seed 004.
    expect(output, output).not.toMatch(/skipped/i);
  }, SUITE_TIMEOUT_MS + 10_000);

  it('stores the same spans, scores and trace fields as the TypeScript SDK for the same calls', async () => {
    const r = await python(['-c', PY_SCENARIO], { LOUPE_API_KEY: srv.key, LOUPE_BASE_URL: srv.url }, 60_000);
    expect(r.code, `python scenario failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
    const pyId = r.stdout.trim();
    expect(pyId).toMatch(/^[0-9a-f]{32}$/);

    const loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false });
    const trace = tsScenario(loupe);
    const pending = trace.span({ kind: 'chain', name: 'pending work', input: undefined });
    await loupe.flush();
    pending.end('done later');
    trace.end('Bot: Neural networks are...');
    await loupe.shutdown();

    const py = shape(await readTrace(srv, pyId));
    const ts = shape(await readTrace(srv, trace.traceId));
    expect(py).toEqual(ts);
    // And what they agree on is what the calls said.
    expect(ts).toMatchObject({
      trace: { name: 'parity', sessionId: 'conv_parity', userId: 'user_parity', environment: 'production', metadata: { conversationId: 'conv_parity' }, spanCount: 9, errorCount: 1 },
      scores: [{ name: 'feedback', value: 'THUMBS_UP', span: '' }, { name: 'helpfulness', value: 4, span: 'message:message' }],
    });
  }, 120_000);
  it('records an OpenAI-shaped client\'s calls as the TypeScript wrapOpenAI does (plain and streamed, tool calls, usage)', async () => {
    const r = await python(['-c', PY_OPENAI], { LOUPE_API_KEY: srv.key, LOUPE_BASE_URL: srv.url, PARITY_DATA: JSON.stringify(OPENAI) }, 60_000);
    expect(r.code, `python scenario failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
    const pyId = r.stdout.trim();

    const loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false });
    const fake = {
      chat: {
        completions: {
          create: async (p: Record<string, unknown>): Promise<unknown> => (p.stream === true
            ? { async *[Symbol.asyncIterator]() { for (const c of OPENAI.chunks) yield c; } }
            : OPENAI.completion),
        },
      },
    };
    const oa = wrapOpenAI(fake, { loupe });
    let tsId = '';
    const agent = loupe.observe('openai-parity', async (q: string) => {
      void q;
      await oa.chat.completions.create({ model: 'gpt-4o-mini', messages: OPENAI.messages, temperature: 0.2, tools: OPENAI.tools });
      const stream = (await oa.chat.completions.create({ model: 'gpt-4o-mini', messages: OPENAI.messages, stream: true, stream_options: { include_usage: true } })) as AsyncIterable<unknown>;
      for await (const c of stream) void c;
      tsId = loupe.current()?.traceId ?? '';
      return 'done';
    }, { kind: 'agent' });
    await agent('Weather in Oslo?');
    await loupe.shutdown();

    const py = withoutTimings(shape(await readTrace(srv, pyId)));
    const ts = withoutTimings(shape(await readTrace(srv, tsId)));
    expect(py).toEqual(ts);
    expect(ts).toMatchObject({ trace: { spanCount: 3 } });
  }, 120_000);
});
