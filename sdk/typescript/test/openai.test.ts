// wrapOpenAI with the real `openai` client against a local OpenAI-compatible server: chat
// completions and responses, streaming or not, with tool calls and usage, nested under the
// current observation or in a trace of their own, read back from a real Loupe server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loupe, wrapOpenAI } from '@loupe/sdk';
import { startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { readTrace, type StoredSpan } from './helpers.js';

let srv: TestServer;
let fake: Server;
let fakeUrl: string;
let loupe: Loupe;
let openai: OpenAI;

const USAGE = { prompt_tokens: 21, completion_tokens: 9, total_tokens: 30, prompt_tokens_details: { cached_tokens: 5 }, completion_tokens_details: { reasoning_tokens: 2 } };
const TOOL_CALL = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const c of req) text += String(c);
  return JSON.parse(text) as Record<string, unknown>;
}

function sse(res: ServerResponse, events: Array<{ event?: string; data: unknown }>, done: boolean): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const e of events) res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`);
  if (done) res.write('data: [DONE]\n\n');
  res.end();
}

/** Chat completions and responses as OpenAI answers them; a tool call when tools are offered; a 400 for model "bad". */
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const b = await body(req);
  if (b.model === 'bad') {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'The model `bad` does not exist', type: 'invalid_request_error' } }));
    return;
  }
  const tools = Array.isArray(b.tools) && b.tools.length > 0;
  if (req.url === '/v1/chat/completions') {
    const base = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_1' };
    if (b.stream !== true) {
      const message = tools ? { role: 'assistant', content: null, refusal: null, tool_calls: [TOOL_CALL] } : { role: 'assistant', content: 'It is sunny in Paris.', refusal: null };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...base, choices: [{ index: 0, message, logprobs: null, finish_reason: tools ? 'tool_calls' : 'stop' }], usage: USAGE }));
      return;
    }
    const chunk = (delta: object, finish: string | null = null) => ({ data: { ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] } });
    const events = tools
      ? [chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }), chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }), chunk({}, 'tool_calls')]
      : [chunk({ role: 'assistant', content: '' }), chunk({ content: 'It is ' }), chunk({ content: 'sunny ' }), chunk({ content: 'in Paris.' }), chunk({}, 'stop')];
    const options = b.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) events.push({ data: { ...base, object: 'chat.completion.chunk', choices: [], usage: USAGE } as never });
    sse(res, events, true);
    return;
  }
  if (req.url === '/v1/responses') {
    const output = tools
      ? [{ type: 'function_call', id: 'fc_1', call_id: 'call_9', name: 'get_weather', arguments: '{"city":"Oslo"}', status: 'completed' }]
      : [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Snow in Oslo.', annotations: [] }] }];
    const response = {
      id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: 'gpt-4.1-2025-04-14', output,
      usage: { input_tokens: 14, output_tokens: 4, total_tokens: 18, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    };
    if (b.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(response));
      return;
    }
    sse(res, [
      { event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress', output: [], usage: null } } },
      { event: 'response.output_text.delta', data: { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Snow ' } },
      { event: 'response.output_text.delta', data: { type: 'response.output_text.delta', sequence_number: 2, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'in Oslo.' } },
      { event: 'response.completed', data: { type: 'response.completed', sequence_number: 3, response } },
    ], false);
    return;
  }
  res.writeHead(404).end();
}

beforeAll(async () => {
  srv = await startTestServer('sdk-openai');
  fake = createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()));
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1`;
  loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false });
  openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: fakeUrl, maxRetries: 0 }), { loupe });
});

afterAll(async () => {
  await loupe.shutdown().catch(() => undefined);
  await new Promise((r) => fake.close(r));
  await srv.close();
});

const generations = (spans: StoredSpan[]) => spans.filter((s) => s.kind === 'llm').sort((a, b) => Date.parse(a.startTime!) - Date.parse(b.startTime!));
const WEATHER_TOOL = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

describe('wrapOpenAI', () => {
  it('records chat completions, plain and with tool calls, streaming or not, nested under the current observation', async () => {
    const messages = [{ role: 'system' as const, content: 'You are a weather bot.' }, { role: 'user' as const, content: 'Weather in Paris?' }];
    let traceId = '';
    let parentId = '';
    const answer = loupe.observe('answer', async () => {
      traceId = loupe.current()!.traceId;
      parentId = (loupe.current() as { id: string }).id;
      const plain = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0.2 });
      expect(plain.choices[0].message.content).toBe('It is sunny in Paris.');
      const withTool = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL] });
      expect(withTool.choices[0].message.tool_calls?.[0].id).toBe('call_1');
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      expect(text).toBe('It is sunny in Paris.');
      const toolStream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [WEATHER_TOOL], stream: true });
      for await (const c of toolStream) void c;
      // The raw response is still there (APIPromise kept).
      const { response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
      expect(response.status).toBe(200);
      return text;
    });
    expect(await answer()).toBe('It is sunny in Paris.');
    await loupe.flush();

    const d = (await readTrace(srv.url, srv.key, traceId))!;
    const gens = generations(d.spans);
    expect(gens).toHaveLength(5);
    for (const g of gens) {
      expect(g.parentId).toBe(parentId);
      expect(g.name).toBe('openai.chat.completions.create');
      expect(g.model).toBe('gpt-4o-mini-2024-07-18');
      expect(g.input).toEqual(messages);
      expect(g.status).not.toBe('error');
      expect(g.endTime).not.toBeNull();
    }
    expect(gens[0].params).toMatchObject({ temperature: 0.2 });
    expect(gens[0].output).toEqual({ role: 'assistant', content: 'It is sunny in Paris.' });
    expect(gens[0].usage).toMatchObject({ inputTokens: 21, outputTokens: 9, totalTokens: 30, cacheReadTokens: 5, reasoningTokens: 2 });
    expect(gens[1].output).toEqual({ role: 'assistant', tool_calls: [TOOL_CALL] });
    expect(gens[1].params).toMatchObject({ tools: [WEATHER_TOOL] });
    expect(gens[2].output).toEqual({ role: 'assistant', content: 'It is sunny in Paris.' });
    expect(gens[2].usage).toMatchObject({ inputTokens: 21, outputTokens: 9 });
    expect(gens[2].metadata).toMatchObject({ streamed: true, finishReason: 'stop' });
    expect(gens[3].output).toEqual({ role: 'assistant', content: '', tool_calls: [TOOL_CALL] });
    // The provider's whole response object is never stored.
    expect(JSON.stringify(d.spans)).not.toContain('fp_1');
  });

  it('records responses, streaming or not, and a call outside any observation as a trace of its own', async () => {
    const plain = await openai.responses.create({ model: 'gpt-4.1', instructions: 'Be brief.', input: 'Weather in Oslo?' });
    expect(plain.output_text).toBe('Snow in Oslo.');
    const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'Weather in Oslo?', stream: true });
    let text = '';
    for await (const e of stream) if (e.type === 'response.output_text.delta') text += e.delta;
    expect(text).toBe('Snow in Oslo.');
    const tool = await openai.responses.create({ model: 'gpt-4.1', input: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [{ type: 'function', name: 'get_weather', parameters: {}, strict: false }] });
    expect(tool.output[0].type).toBe('function_call');
    await loupe.flush();

    const list = await fetch(`${srv.url}/api/v1/traces?name=${encodeURIComponent('openai.responses.create')}&limit=10`, { headers: { 'x-api-key': srv.key } });
    const traces = ((await list.json()) as { data: Array<{ id: string }> }).data;
    expect(traces).toHaveLength(3);
    const spans = (await Promise.all(traces.map(async (t) => (await readTrace(srv.url, srv.key, t.id))!))).map((d) => {
      expect(d.spans).toHaveLength(1);
      expect(d.trace.output).toEqual(d.spans[0].output);
      return d.spans[0];
    });
    const byInput = (s: StoredSpan) => JSON.stringify(s.input);
    const brief = spans.find((s) => byInput(s).includes('Be brief'))!;
    expect(brief.input).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Oslo?' }]);
    expect(brief.output).toEqual({ role: 'assistant', content: 'Snow in Oslo.' });
    expect(brief.usage).toMatchObject({ inputTokens: 14, outputTokens: 4 });
    expect(brief.model).toBe('gpt-4.1-2025-04-14');
    const streamed = spans.find((s) => s.metadata.streamed === true)!;
    expect(streamed.output).toEqual({ role: 'assistant', content: 'Snow in Oslo.' });
    expect(streamed.usage).toMatchObject({ inputTokens: 14, outputTokens: 4 });
    const called = spans.find((s) => JSON.stringify(s.output).includes('call_9'))!;
    expect(called.output).toEqual({ role: 'assistant', content: '', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] });
  });

  it('records a failed call as an error and lets the app see the same error', async () => {
    const t = loupe.trace({ name: 'failing' });
    const err = await loupe.withObservation(t, () => openai.chat.completions.create({ model: 'bad', messages: [{ role: 'user', content: 'hi' }] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    t.end();
    await loupe.flush();
    const d = (await readTrace(srv.url, srv.key, t.traceId))!;
    expect(d.spans).toHaveLength(1);
    expect(d.spans[0]).toMatchObject({ kind: 'llm', status: 'error' });
    expect(d.spans[0].error).toContain('does not exist');
  });

  it('records nothing, and changes nothing, when the client is disabled', async () => {
    const off = new Loupe({ enabled: false });
    const wrapped = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: fakeUrl, maxRetries: 0 }), { loupe: off });
    const r = await wrapped.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0].message.content).toBe('It is sunny in Paris.');
    expect(off.stats().sent).toBe(0);
  });
});

describe('wrapOpenAI leaves the call as the app would have it', () => {
  const messages = [{ role: 'user' as const, content: 'Weather in Paris?' }];

  it('.asResponse() gets the body unread (recorded with no output); .withResponse() still records', async () => {
    const t = loupe.trace({ name: 'raw-response' });
    const res = await loupe.withObservation(t, () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).asResponse());
    expect(res.status).toBe(200);
    expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content).toBe('It is sunny in Paris.');
    const { data, response } = await loupe.withObservation(t, () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse());
    expect(response.status).toBe(200);
    expect(data.choices[0].message.content).toBe('It is sunny in Paris.');
    t.end();
    await loupe.flush();
    const gens = generations((await readTrace(srv.url, srv.key, t.traceId))!.spans);
    expect(gens).toHaveLength(2);
    expect(gens[0]).toMatchObject({ output: null, metadata: { rawResponse: true } });
    expect(gens[0].endTime).not.toBeNull();
    expect(gens[1].output).toEqual({ role: 'assistant', content: 'It is sunny in Paris.' });
  });

  it('a frozen client works (its frozen paths go unrecorded) instead of breaking the Proxy invariant', async () => {
    const frozen = Object.freeze({
      chat: Object.freeze({ completions: Object.freeze({ create: async () => ({ id: 'x', object: 'chat.completion', choices: [] }) }) }),
    });
    const w = wrapOpenAI(frozen, { loupe });
    expect(await w.chat.completions.create()).toMatchObject({ id: 'x' });
  });

  it('a failure to record never reaches the app: the call runs, and no unhandled rejection', async () => {
    const broken = { enabled: true, current: () => { throw new Error('recorder broken'); } } as unknown as Loupe;
    const client = { chat: { completions: { create: async () => ({ id: 'y' }) } } };
    expect(await wrapOpenAI(client, { loupe: broken }).chat.completions.create()).toEqual({ id: 'y' });

    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      // A response whose reading throws: the recorder fails, the app's promise does not.
      const odd = { chat: { completions: { create: async () => ({ id: 'z', get choices(): unknown { throw new Error('unreadable'); } }) } } };
      const r = await wrapOpenAI(odd, { loupe }).chat.completions.create();
      expect(r.id).toBe('z');
      await new Promise((res) => setTimeout(res, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('wrapping a wrapped client again records each call once', async () => {
    const twice = wrapOpenAI(openai, { loupe });
    expect(twice).toBe(openai);
  });
});

