// observe() and generation() details: a lazy thenable is returned as it is, a provider request
// given to generation() is read as the prompt, and an observation that has ended is no longer
// current for new nesting.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loupe } from '@loupe/sdk';
import { startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { readTrace, waitForTrace } from './helpers.js';

let srv: TestServer;
let loupe: Loupe;
beforeAll(async () => {
  srv = await startTestServer('sdk-observe');
  loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false });
});
afterAll(async () => {
  await loupe.shutdown().catch(() => undefined);
  await srv.close();
});

describe('observe()', () => {
  it('returns a non-promise thenable as it is, its methods kept, never run by the SDK', async () => {
    let runs = 0;
    const lazy = {
      then(ok: (v: number) => void) {
        runs++;
        ok(42);
      },
      withResponse: () => 'raw',
    };
    let traceId = '';
    const r = loupe.observe('lazy', () => {
      traceId = loupe.current()!.traceId;
      return lazy;
    })();
    expect(r).toBe(lazy);
    expect(r.withResponse()).toBe('raw');
    expect(runs).toBe(0);
    await loupe.flush();
    const d = (await readTrace(srv.url, srv.key, traceId))!;
    expect(d.spans[0].metadata).toMatchObject({ thenable: true });
    expect(d.spans[0].endTime).not.toBeNull();
  });

  it('an async function still records its result and its rejection, and the app sees both', async () => {
    const ok = loupe.observe('ok', async (x: number) => x * 2);
    expect(await ok(21)).toBe(42);
    const bad = loupe.observe('bad', async () => {
      throw new Error('no');
    });
    await expect(bad()).rejects.toThrow('no');
  });

  it('an ended observation is not current: a timer it left behind starts a trace of its own', async () => {
    let outerTrace = '';
    let later: { current: unknown; traceId: string } | undefined;
    const done = new Promise<void>((resolve) => {
      loupe.observe('outer', () => {
        outerTrace = loupe.current()!.traceId;
        setTimeout(() => {
          const current = loupe.current();
          let traceId = '';
          loupe.observe('inner', () => {
            traceId = loupe.current()!.traceId;
          })();
          later = { current, traceId };
          resolve();
        }, 50);
      })();
    });
    await done;
    expect(later!.current).toBeUndefined();
    expect(later!.traceId).not.toBe(outerTrace);
    await loupe.flush();
    expect((await waitForTrace(srv.url, srv.key, later!.traceId, 1)).trace.name).toBe('inner');
  });
});

describe('generation()', () => {
  it('a provider request ({model, messages, temperature}) is the prompt, its model and params', async () => {
    const t = loupe.trace({ name: 'request-as-input' });
    const messages = [{ role: 'user', content: 'hi' }];
    t.generation({ model: 'gpt-4o-mini', messages, temperature: 0.3 }).end('hello');
    t.generation({ model: 'gpt-4.1', input: 'Weather?', instructions: 'Be brief.', temperature: 0 }).end({
      id: 'resp_1', object: 'response', status: 'completed', model: 'gpt-4.1',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Snow.' }] }],
      usage: { input_tokens: 3, output_tokens: 1 },
    });
    t.end();
    await loupe.flush();
    const spans = (await readTrace(srv.url, srv.key, t.traceId))!.spans.sort((a, b) => Date.parse(a.startTime!) - Date.parse(b.startTime!));
    expect(spans[0]).toMatchObject({ input: messages, model: 'gpt-4o-mini', params: { temperature: 0.3 } });
    // A Responses request and response read as wrapOpenAI records them.
    expect(spans[1]).toMatchObject({
      input: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather?' }],
      model: 'gpt-4.1',
      params: { temperature: 0 },
      output: { role: 'assistant', content: 'Snow.' },
      usage: { inputTokens: 3, outputTokens: 1 },
    });
  });
});

describe('a client per request', () => {
  it('is not kept alive by the exit hooks once it has sent everything and the app dropped it', async () => {
    const app = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'per-request.mjs');
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--expose-gc', app], { env: { ...process.env, NODE_OPTIONS: '', KEY: srv.key, URL: srv.url }, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout!.on('data', (b: Buffer) => { text += b.toString(); });
      child.on('error', reject);
      child.on('close', () => resolve(text));
    });
    expect(out).toContain('before 50');
    // The last one made stays, as Loupe.active().
    expect(out).toContain('after 1');
  });
});
