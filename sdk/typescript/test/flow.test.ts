// Seed 004's flow end to end: the SDK against a real server, read back through the query API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loupe, LoupeDeliveryError, type Observation } from '@loupe/sdk';
import { call, startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { readTrace, sleep, type StoredSpan } from './helpers.js';

let srv: TestServer;
let loupe: Loupe;

beforeAll(async () => {
  srv = await startTestServer('sdk-flow');
  loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false });
});
afterAll(async () => {
  await loupe.shutdown().catch(() => undefined);
  await srv.close();
});

const ms = (iso: string | null): number => Date.parse(iso!);

describe('seed 004 flow', () => {
  it('stores a nested trace with kinds, timing, usage, documents, errors and feedback as a score', async () => {
    const trace = loupe.trace({
      name: 'support chat', conversationId: 'conv_123', userId: 'user_123', metadata: { source: 'chatbot' },
      tags: ['beta'], environment: 'production', release: 'v1.2.3', input: 'Tell me about neural networks',
    });
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    const message = trace.message('User: Tell me about neural networks');
    expect(message.id).toMatch(/^[0-9a-f]{16}$/);
    expect(message.traceId).toBe(trace.traceId);
    const retrieval = message.retrieval('neural networks');
    await sleep(20);
    retrieval.end([{ id: 'doc-1', content: 'Neural networks are…', score: 0.92 }, { id: 'doc-2', content: 'Backprop…', score: 0.81 }]);
    const generation = message.generation({ name: 'explain', model: 'gpt-4o-mini', params: { temperature: 0.3 }, input: [{ role: 'user', content: 'Tell me about neural networks' }] });
    // A provider's whole response: only the message and the usage are kept.
    generation.end({
      output: { id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o-mini', system_fingerprint: 'fp', choices: [{ index: 0, logprobs: null, message: { role: 'assistant', content: 'They are…' } }] },
      usage: { inputTokens: 12, outputTokens: 30, cacheReadTokens: 4 },
    });
    const tool = message.tool({ name: 'lookup', args: { q: 'nn' } }, { name: 'lookup' });
    tool.error(new RangeError('rate limited'));
    tool.end();
    const agent = message.agent('Planning next action');
    agent.log('branch: search', { branch: 'search' });
    agent.end('Decided to search database');
    const system = trace.system('Initializing cache');
    system.update({ metadata: { warm: true }, name: 'cache warmup' });
    system.end('Cache warmed up');
    message.end('Bot: Neural networks are…');
    trace.feedback({ tag: 'THUMBS_UP', text: 'User marked response as helpful' });
    message.feedback({ tag: 'helpfulness', value: 4 });
    trace.end('Bot: Neural networks are…');
    await loupe.flush();

    const d = (await readTrace(srv.url, srv.key, trace.traceId))!;
    expect(d.trace).toMatchObject({
      name: 'support chat', userId: 'user_123', sessionId: 'conv_123', environment: 'production', release: 'v1.2.3', tags: ['beta'],
      metadata: { source: 'chatbot', conversationId: 'conv_123' }, input: 'Tell me about neural networks', output: 'Bot: Neural networks are…',
      spanCount: 7, errorCount: 1, inputTokens: 12, outputTokens: 30,
    });
    const by = (kind: string): StoredSpan => d.spans.find((s) => s.kind === kind)!;
    const msg = by('message');
    expect(msg).toMatchObject({ parentId: null, input: 'User: Tell me about neural networks', output: 'Bot: Neural networks are…' });
    for (const k of ['retrieval', 'llm', 'tool', 'agent']) expect(by(k).parentId).toBe(msg.id);
    expect(by('log').parentId).toBe(by('agent').id);
    expect(by('system').parentId).toBeNull();
    expect(by('retrieval').output).toEqual([{ id: 'doc-1', content: 'Neural networks are…', score: 0.92 }, { id: 'doc-2', content: 'Backprop…', score: 0.81 }]);
    expect(by('llm')).toMatchObject({
      name: 'explain', model: 'gpt-4o-mini', params: { temperature: 0.3 }, output: { role: 'assistant', content: 'They are…' },
      usage: { inputTokens: 12, outputTokens: 30, cacheReadTokens: 4 },
    });
    expect(by('tool')).toMatchObject({ name: 'lookup', status: 'error', error: 'RangeError: rate limited' });
    const exc = by('tool').events.find((e) => e.name === 'exception')!;
    expect(exc.attributes).toMatchObject({ 'exception.type': 'RangeError', 'exception.message': 'rate limited' });
    expect(String(exc.attributes['exception.stacktrace'])).toContain('flow.test.ts');
    expect(by('log')).toMatchObject({ name: 'branch: search', input: { message: 'branch: search', data: { branch: 'search' } } });
    expect(ms(by('log').endTime)).toBe(ms(by('log').startTime));
    expect(by('system')).toMatchObject({ name: 'cache warmup', metadata: { warm: true }, output: 'Cache warmed up' });
    // Timing: the retrieval waited 20 ms; children sit inside their parent; sub-ms precision.
    const r = by('retrieval');
    expect(r.durationMs!).toBeGreaterThanOrEqual(19);
    expect(r.durationMs!).toBeLessThan(1000);
    expect(d.spans.some((s) => s.durationMs! % 1 !== 0)).toBe(true);
    for (const s of d.spans.filter((x) => x.parentId === msg.id)) {
      expect(ms(s.startTime)).toBeGreaterThanOrEqual(ms(msg.startTime));
      expect(ms(s.endTime)).toBeLessThanOrEqual(ms(msg.endTime));
    }
    expect(Math.abs(ms(d.trace.startTime) - Date.now())).toBeLessThan(60_000);
    // Feedback: a user score on the trace, one on the message span.
    expect(d.scores).toHaveLength(2);
    expect(d.scores.find((s) => !s.spanId)).toMatchObject({ name: 'feedback', value: 'THUMBS_UP', comment: 'User marked response as helpful', source: 'user' });
    expect(d.scores.find((s) => s.spanId)).toMatchObject({ name: 'helpfulness', value: 4, spanId: msg.id, source: 'user' });
    // The session groups by conversationId.
    const sess = await call(srv.url, '/api/v1/sessions/conv_123', { key: srv.key });
    expect(sess.json.session.traceCount).toBe(1);
  });

  it('sends spans still open at a flush as they are, and their end later as an update', async () => {
    const trace = loupe.trace({ name: 'long run', sessionId: 'sess-9', conversationId: 'conv-9' });
    const agent = trace.agent('thinking');
    await loupe.flush();
    let d = (await readTrace(srv.url, srv.key, trace.traceId))!;
    expect(d.trace.sessionId).toBe('sess-9');
    expect(d.trace.metadata.conversationId).toBe('conv-9');
    expect(d.spans).toHaveLength(1);
    expect(d.spans[0]).toMatchObject({ kind: 'agent', input: 'thinking', endTime: null });
    await sleep(10);
    agent.end('done');
    await loupe.flush();
    d = (await readTrace(srv.url, srv.key, trace.traceId))!;
    expect(d.spans[0]).toMatchObject({ output: 'done', input: 'thinking' });
    expect(d.spans[0].durationMs!).toBeGreaterThanOrEqual(9);
  });

  it('rejects flush() for items the server lists as rejected, and keeps the rest', async () => {
    const trace = loupe.trace({ name: 'partly bad', tags: Array.from({ length: 101 }, (_, i) => `t${i}`) });
    trace.tool('fine').end('ok');
    const err = await loupe.flush().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LoupeDeliveryError);
    const e = err as LoupeDeliveryError;
    expect(e.undelivered).toBe(1);
    expect(e.message).toMatch(/refused by the server: .*tags/);
    const spans = await call(srv.url, `/api/v1/spans?traceId=${trace.traceId}`, { key: srv.key });
    expect(spans.status).toBe(200);
    // A later flush with nothing new resolves: the failure was reported once.
    await loupe.flush();
  });
});

describe('observe', () => {
  it('nests across awaits and keeps concurrent calls apart', async () => {
    const search = loupe.observe('search', async (q: string) => {
      await sleep(5);
      return [`${q}-doc`];
    }, { kind: 'retrieval' });
    const answer = loupe.observe('answer', async (q: string) => {
      await sleep(Math.random() * 10);
      const docs = await search(q);
      await sleep(1);
      // current() is the observe span; an integration makes its generation there.
      const cur = loupe.current()!;
      cur.generation({ model: 'm', input: q }).end({ output: docs.join(), usage: { inputTokens: 1, outputTokens: 2 } });
      return `${q}: ${docs.join()}`;
    }, { kind: 'agent', trace: { userId: 'obs-user' } });
    const out = await Promise.all(['a', 'b', 'c', 'd'].map((q) => answer(q)));
    expect(out).toEqual(['a: a-doc', 'b: b-doc', 'c: c-doc', 'd: d-doc']);
    expect(loupe.current()).toBeUndefined();
    await loupe.flush();
    const list = await call(srv.url, '/api/v1/traces?name=answer&limit=10', { key: srv.key });
    expect(list.json.data).toHaveLength(4);
    for (const row of list.json.data as Array<{ id: string; input: string }>) {
      const d = (await readTrace(srv.url, srv.key, row.id))!;
      expect(d.trace).toMatchObject({ userId: 'obs-user', output: `${row.input}: ${row.input}-doc` });
      const root = d.spans.find((s) => s.parentId === null)!;
      expect(root).toMatchObject({ kind: 'agent', name: 'answer' });
      const children = d.spans.filter((s) => s.parentId === root.id);
      expect(children.map((s) => s.kind).sort()).toEqual(['llm', 'retrieval']);
      expect(children.find((s) => s.kind === 'retrieval')).toMatchObject({ input: row.input, output: [`${row.input}-doc`] });
      expect(children.find((s) => s.kind === 'llm')!.input).toBe(row.input);
      expect(d.spans).toHaveLength(3);
    }
  });

  it('records a thrown error, rethrows it as is, and handles sync functions', async () => {
    const boom = new Error('nope');
    const failing = loupe.observe('failing', async () => {
      await sleep(1);
      throw boom;
    });
    const sync = loupe.observe('sync', (a: number, b: number) => a + b, { kind: 'tool' });
    let caught: unknown;
    let traceId = '';
    await loupe.observe('outer-fail', async () => {
      traceId = loupe.current()!.traceId;
      expect(sync(1, 2)).toBe(3);
      await failing().catch((e: unknown) => { caught = e; });
    })();
    expect(caught).toBe(boom);
    expect(() => loupe.observe('throws-sync', () => { throw boom; })()).toThrow(boom);
    await loupe.flush();
    const d = (await readTrace(srv.url, srv.key, traceId))!;
    expect(d.spans.find((s) => s.name === 'sync')).toMatchObject({ kind: 'tool', input: [1, 2], output: 3 });
    expect(d.spans.find((s) => s.name === 'failing')).toMatchObject({ status: 'error', error: 'Error: nope' });
  });

  it('withObservation makes an observation current, and Loupe.active() is the latest client', async () => {
    const trace = loupe.trace({ name: 'manual' });
    const span = trace.agent('x');
    const seen: Array<Observation | undefined> = [];
    await loupe.withObservation(span, async () => {
      await sleep(1);
      seen.push(loupe.current());
      await loupe.observe('child', async () => 1)();
    });
    span.end();
    expect(seen[0]).toBe(span);
    expect(Loupe.active()).toBe(loupe);
    await loupe.flush();
    const d = (await readTrace(srv.url, srv.key, trace.traceId))!;
    expect(d.spans.find((s) => s.name === 'child')!.parentId).toBe(span.id);
  });
});

describe('modes', () => {
  it('evaluation-only sends only traces with a testId, with their spans and scores', async () => {
    const ev = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false, evaluationOnly: true });
    const prod = ev.trace({ name: 'prod' });
    prod.tool('t').end();
    prod.feedback({ tag: 'THUMBS_DOWN' });
    const test = ev.trace({ name: 'eval run', testId: 'test-42' });
    test.message('q').end('a');
    test.feedback({ tag: 'THUMBS_UP' });
    await ev.flush();
    expect(await readTrace(srv.url, srv.key, prod.traceId)).toBeUndefined();
    const d = (await readTrace(srv.url, srv.key, test.traceId))!;
    expect(d.trace.testId).toBe('test-42');
    expect(d.spans).toHaveLength(1);
    expect(d.scores).toHaveLength(1);
    expect(ev.stats().sent).toBe(3);
    await ev.shutdown();
    Loupe['last'] = loupe; // later tests read Loupe.active()
  });

  it('LOUPE_ENABLED=false disables, LOUPE_API_KEY and LOUPE_BASE_URL configure', async () => {
    const saved = { ...process.env };
    try {
      process.env.LOUPE_ENABLED = 'false';
      expect(new Loupe().enabled).toBe(false);
      delete process.env.LOUPE_ENABLED;
      process.env.LOUPE_API_KEY = srv.key;
      process.env.LOUPE_BASE_URL = srv.url;
      const c = new Loupe({ processHooks: false });
      const t = c.trace({ name: 'from env' });
      await c.flush();
      expect(await readTrace(srv.url, srv.key, t.traceId)).toBeDefined();
    } finally {
      process.env = saved;
      Loupe['last'] = loupe;
    }
  });

  it('keeps the prompt and completion of a whole provider request and response, not the wrappers', async () => {
    const t = loupe.trace({ name: 'provider objects' });
    const g = t.generation({ input: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5 } });
    g.end({
      id: 'chatcmpl-9', object: 'chat.completion', model: 'gpt-4o', created: 1,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hello' } }],
      usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_tokens_details: { cached_tokens: 2 } },
    });
    await loupe.flush();
    const s = (await readTrace(srv.url, srv.key, t.traceId))!.spans[0];
    expect(s).toMatchObject({
      kind: 'llm', model: 'gpt-4o', params: { temperature: 0.5 }, input: [{ role: 'user', content: 'hi' }],
      output: { role: 'assistant', content: 'hello' }, usage: { inputTokens: 5, outputTokens: 1, totalTokens: 6, cacheReadTokens: 2 },
    });
  });

  it('enabled: false records nothing and returns inert objects with the same methods', async () => {
    const off = new Loupe({ enabled: false });
    const t = off.trace({ name: 'x' });
    const m = t.message('in');
    m.generation({ model: 'm' }).end({ output: 'o', usage: { inputTokens: 1 } });
    m.tool('x').error(new Error('e')).update({ name: 'y' }).end();
    m.log('hi');
    t.feedback({ tag: 'THUMBS_UP' });
    m.end('out');
    t.end();
    expect(off.observe('f', (x: number) => x + 1)(1)).toBe(2);
    await off.flush();
    await off.shutdown();
    expect(off.stats()).toEqual({ sent: 0, dropped: 0, retried: 0, failed: 0, buffered: 0, inFlight: 0 });
    Loupe['last'] = loupe;
  });

  it('shutdown flushes and later calls are no-ops with one warning', async () => {
    const c = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false });
    const t = c.trace({ name: 'before shutdown' });
    t.tool('x').end();
    await c.shutdown();
    expect((await readTrace(srv.url, srv.key, t.traceId))!.spans).toHaveLength(1);
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => { warnings.push(m); };
    try {
      c.trace({ name: 'after' }).tool('y').end();
      c.trace({ name: 'after 2' });
      await c.shutdown();
      await c.shutdown();
    } finally {
      console.warn = warn;
    }
    expect(warnings.filter((w) => /shut down/.test(w))).toHaveLength(1);
    expect(warnings.filter((w) => /already called/.test(w))).toHaveLength(1);
    Loupe['last'] = loupe;
  });
});
