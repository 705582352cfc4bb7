// Langfuse compatibility end to end: the real `langfuse` v3 client and `@langfuse/otel` pointed at
// a real Loupe (only base URL and keys changed), the docs' curl example run verbatim, results read
// back through the native API.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Langfuse } from 'langfuse';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LangfuseSpanProcessor } from '@langfuse/otel';
import { propagateAttributes, setLangfuseTracerProvider, startActiveObservation } from '@langfuse/tracing';
import { startServer, type RunningServer } from '../../src/server/index.js';
import type { Score, Span, Trace } from '../../src/model/schemas.js';

let server: RunningServer;
let dir: string;
let key: string;

interface Detail { trace: Trace; spans: Span[]; scores: Score[] }

async function detail(traceId: string): Promise<Detail> {
  const res = await fetch(`${server.url}/api/v1/traces/${encodeURIComponent(traceId)}`, { headers: { 'x-api-key': key } });
  expect(res.status).toBe(200);
  return (await res.json()) as Detail;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-langfuse-'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data') });
  key = readFileSync(join(dir, 'data', 'admin-key.txt'), 'utf8').trim();
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('langfuse v3 client → /api/public/ingestion', () => {
  test('trace, span, generation with usage, updates and scores are stored', async () => {
    const langfuse = new Langfuse({ publicKey: 'pk-lf-test', secretKey: key, baseUrl: server.url, flushAt: 1000 });
    const problems: unknown[] = [];
    langfuse.on('error', (e) => problems.push(e));
    langfuse.on('warning', (e) => problems.push(e));

    const trace = langfuse.trace({ name: 'checkout', userId: 'user-1', sessionId: 'sess-1', input: { cart: 3 }, tags: ['e2e'], metadata: { tier: 'gold' } });
    const span = trace.span({ name: 'plan', input: 'think' });
    const generation = span.generation({ name: 'llm-call', model: 'gpt-4o-mini', modelParameters: { temperature: 0 }, input: [{ role: 'user', content: 'hi' }] });
    generation.end({ output: { role: 'assistant', content: 'hello' }, usage: { input: 40, output: 10 } });
    span.event({ name: 'cache-hit', input: 'key-1' });
    span.end({ output: 'planned' });
    trace.update({ output: { ok: true } });
    trace.score({ name: 'quality', value: 0.9, comment: 'good' });
    langfuse.score({ traceId: trace.id, observationId: generation.id, name: 'thumbs', value: 1, dataType: 'BOOLEAN' });
    await langfuse.flushAsync();
    await langfuse.shutdownAsync();
    expect(problems).toEqual([]);

    const d = await detail(trace.id);
    expect(d.trace).toMatchObject({ name: 'checkout', userId: 'user-1', sessionId: 'sess-1', tags: ['e2e'], input: { cart: 3 }, output: { ok: true },
      inputTokens: 40, outputTokens: 10, totalTokens: 50, status: 'success' });
    expect(d.trace.metadata.tier).toBe('gold');
    const byName = Object.fromEntries(d.spans.map((s) => [s.name, s]));
    expect(byName.plan).toMatchObject({ kind: 'span', output: 'planned', parentId: null });
    expect(byName.plan.endTime).not.toBeNull();
    expect(byName['llm-call']).toMatchObject({ kind: 'llm', model: 'gpt-4o-mini', parentId: span.id, params: { temperature: 0 },
      output: { role: 'assistant', content: 'hello' }, usage: { inputTokens: 40, outputTokens: 10 } });
    expect(byName['cache-hit']).toMatchObject({ kind: 'event', parentId: span.id });
    const scores = Object.fromEntries(d.scores.map((s) => [s.name, s]));
    expect(scores.quality).toMatchObject({ value: 0.9, comment: 'good', source: 'api', spanId: null });
    expect(scores.thumbs).toMatchObject({ value: true, spanId: generation.id });
  });

  test('an update without traceId in a later request finds its observation; an unknown one is a per-event 404', async () => {
    const auth = `Basic ${Buffer.from(`pk-lf-any:${key}`).toString('base64')}`;
    const post = async (batch: unknown[]) => {
      const res = await fetch(`${server.url}/api/public/ingestion`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
      expect(res.status).toBe(207);
      return (await res.json()) as { successes: Array<{ id: string }>; errors: Array<{ id: string; status: number }> };
    };
    const first = await post([{ id: 'u-1', type: 'span-create', timestamp: '2025-01-01T00:00:00Z', body: { id: 'late-span', traceId: 'late-trace', name: 'job' } }]);
    expect(first.errors).toEqual([]);
    const second = await post([
      { id: 'u-2', type: 'span-update', timestamp: '2025-01-01T00:00:09Z', body: { id: 'late-span', endTime: '2025-01-01T00:00:09Z', level: 'ERROR', statusMessage: 'boom' } },
      { id: 'u-3', type: 'span-update', timestamp: '2025-01-01T00:00:09Z', body: { id: 'never-seen' } },
    ]);
    expect(second.successes.map((s) => s.id)).toEqual(['u-2']);
    expect(second.errors).toMatchObject([{ id: 'u-3', status: 404 }]);
    const d = await detail('late-trace');
    expect(d.spans[0]).toMatchObject({ id: 'late-span', status: 'error', error: 'boom', endTime: '2025-01-01T00:00:09.000000Z' });
    expect(d.trace.status).toBe('error');
  });

  test('the store finds observations by id after a restart-like cold cache', async () => {
    expect(await server.store.findSpanTraceId(1, 'late-span')).toBe('late-trace');
    expect(await server.store.findSpanTraceId(1, 'never-seen')).toBeNull();
  });

  test('envelope errors are 400 and a wrong key is 401', async () => {
    const auth = `Basic ${Buffer.from(`pk-lf-any:${key}`).toString('base64')}`;
    const bad = await fetch(`${server.url}/api/public/ingestion`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: '{"events":[]}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_body');
    const wrong = await fetch(`${server.url}/api/public/ingestion`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('pk-lf-any:sk-lf-nope').toString('base64')}`, 'content-type': 'application/json' }, body: '{"batch":[]}' });
    expect(wrong.status).toBe(401);
  });

  test('health and project lookups answer as Langfuse SDKs expect', async () => {
    expect(await (await fetch(`${server.url}/api/public/health`)).json()).toMatchObject({ status: 'OK' });
    const projects = await fetch(`${server.url}/api/public/projects`, { headers: { authorization: `Basic ${Buffer.from(`pk:${key}`).toString('base64')}` } });
    expect(await projects.json()).toEqual({ data: [{ id: '1', name: 'default', metadata: {} }] });
  });
});

describe('@langfuse/otel → /api/public/otel/v1/traces', () => {
  test('observations made with @langfuse/tracing arrive with the langfuse.* attributes mapped', async () => {
    const provider = new NodeTracerProvider({
      spanProcessors: [new LangfuseSpanProcessor({ publicKey: 'pk-lf-test', secretKey: key, baseUrl: server.url, exportMode: 'immediate' })],
    });
    provider.register(); // the context manager carries propagated attributes (as in the Langfuse docs)
    setLangfuseTracerProvider(provider);
    let traceId = '';
    await startActiveObservation('answer-question', (root) => propagateAttributes({ traceName: 'qa', userId: 'otel-user', sessionId: 'otel-session', tags: ['otel'] }, async () => {
      traceId = root.traceId;
      root.update({ input: { q: 'capital of France?' } });
      const gen = root.startObservation('llm', { model: 'gpt-4o', input: [{ role: 'user', content: 'capital of France?' }] }, { asType: 'generation' });
      gen.update({ output: 'Paris', usageDetails: { input: 9, output: 1 }, costDetails: { total: 0.00005 } });
      gen.end();
      const tool = root.startObservation('search', { input: { q: 'France' } }, { asType: 'tool' });
      tool.update({ level: 'ERROR', statusMessage: 'search index down' });
      tool.end();
      root.update({ output: 'Paris' });
    }));
    await provider.forceFlush();
    await provider.shutdown();

    const d = await detail(traceId);
    expect(d.trace).toMatchObject({ name: 'qa', userId: 'otel-user', sessionId: 'otel-session', tags: ['otel'], inputTokens: 9, outputTokens: 1, status: 'error' });
    const byName = Object.fromEntries(d.spans.map((s) => [s.name, s]));
    expect(byName['answer-question']).toMatchObject({ kind: 'span', input: { q: 'capital of France?' }, output: 'Paris' });
    expect(byName.llm).toMatchObject({ kind: 'llm', model: 'gpt-4o', output: 'Paris', usage: { inputTokens: 9, outputTokens: 1 }, costUsd: 0.00005 });
    expect(byName.search).toMatchObject({ kind: 'tool', status: 'error', error: 'search index down' });
  });
});

describe('docs/langfuse.md', () => {
  test('the curl example works verbatim against a server on the default port layout', async () => {
    const doc = readFileSync(new URL('../../docs/langfuse.md', import.meta.url), 'utf8');
    const block = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('/api/public/ingestion'));
    expect(block).toBeDefined();
    // Only the address differs: the test server listens on an ephemeral port.
    const script = block!.replaceAll('http://127.0.0.1:4318', server.url);
    // Asynchronously: the server answering curl runs in this very process.
    const { stdout: out } = await promisify(execFile)('bash', ['-c', script], { cwd: dir, encoding: 'utf8' });
    const answer = JSON.parse(out) as { successes: unknown[]; errors: unknown[] };
    expect(answer.errors).toEqual([]);
    expect(answer.successes).toHaveLength(4);
    const d = await detail('lf-demo-trace');
    expect(d.trace).toMatchObject({ name: 'support-chat', environment: 'production', totalTokens: 18, costUsd: 0.0002 });
    expect(d.scores[0]).toMatchObject({ name: 'helpful', value: true });
  });
});
