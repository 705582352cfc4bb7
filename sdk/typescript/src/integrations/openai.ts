// wrapOpenAI: chat completions and responses of an OpenAI client (or anything shaped like one:
// Azure's, a compatible gateway's) recorded as generation spans, streaming or not, nested under
// the observation current where the call is made, or in a trace of their own.
//
// The wrapper never changes what the app can do with what it gets back. A native promise is
// returned as it is, observed by a handler attached on the side. The openai package's APIPromise
// is lazy about its body (`.asResponse()` hands over the unread Response), so it is not awaited
// by the wrapper: it comes back behind a Proxy whose then/catch/finally/withResponse attach the
// recorder only when the app itself asks for the parsed result, just before the app's own
// handler, so a stream is instrumented before the app reads it; `.asResponse()` ends the
// generation with what is known then (no output, metadata rawResponse: true). A stream is
// observed by wrapping its iterator (openai's `iterator`, which both `for await` and `.tee()`
// use, or `Symbol.asyncIterator` on other shapes). Recording never throws into the app's call:
// if it fails, the original call runs unrecorded.
import { Loupe } from '../client.js';
import { chatOutput, normalizeUsage, responseOutput, responsesInput } from '../llm.js';
import { endWithError, type Generation, type Observation, type Trace } from '../observation.js';
import type { Metadata } from '../types.js';
import { isRecord as isRec, isThenable, safe, type Rec } from '../util.js';

export interface WrapOpenAIOptions {
  /** The client to record with; default the most recently made one (Loupe.active()). */
  loupe?: Loupe;
  /** Name of the trace a call outside any observation makes; default the call's name. */
  traceName?: string;
  /** Metadata on every generation. */
  metadata?: Metadata;
}

type Api = 'chat' | 'responses';
/** Which properties lead to the calls recorded: an object of further steps, or the call's API. */
interface Plan {
  [key: string]: Plan | Api;
}

const PLAN: Plan = {
  chat: { completions: { create: 'chat', parse: 'chat' } },
  responses: { create: 'responses', parse: 'responses' },
};

/** Clients wrapOpenAI returned: wrapping one again returns it as it is (no double recording). */
const wrappedClients = new WeakSet<object>();

/** Returns `client` with its chat completions and responses recorded; every other use unchanged. */
export function wrapOpenAI<T extends object>(client: T, options: WrapOpenAIOptions = {}): T {
  if (wrappedClients.has(client)) return client;
  const w = proxied(client, PLAN, options ?? {}, []);
  wrappedClients.add(w);
  return w;
}

function proxied<T extends object>(target: T, plan: Plan, o: WrapOpenAIOptions, path: string[]): T {
  const made = new WeakMap<object, unknown>();
  return new Proxy(target, {
    get(t, key) {
      // The real object as `this` for getters and methods: the openai package keeps its state in
      // private fields, which a Proxy as `this` would not have.
      const v: unknown = Reflect.get(t, key, t);
      if (typeof v !== 'function' && (typeof v !== 'object' || v === null)) return v;
      // A Proxy must give a frozen property's own value (its invariant): that path goes unrecorded.
      const d = Reflect.getOwnPropertyDescriptor(t, key);
      if (d && !d.configurable && 'value' in d && !d.writable) return v;
      let out = made.get(v);
      if (out === undefined) {
        const step = typeof key === 'string' ? plan[key] : undefined;
        if (typeof step === 'string' && typeof v === 'function') out = recorded(v as (...a: unknown[]) => unknown, t, step, [...path, key as string].join('.'), o);
        else if (typeof step === 'object') out = proxied(v as object, step, o, [...path, key as string]);
        else out = typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        made.set(v, out);
      }
      return out;
    },
  });
}

function recorded(call: (...a: unknown[]) => unknown, self: object, api: Api, name: string, o: WrapOpenAIOptions): (...a: unknown[]) => unknown {
  return function (this: unknown, ...args: unknown[]) {
    let call_: Recorded;
    try {
      const loupe = o.loupe ?? Loupe.active();
      if (!loupe?.enabled) return call.apply(self, args);
      call_ = start(loupe, api, `openai.${name}`, isRec(args[0]) ? args[0] : {}, o);
    } catch {
      // Recording failed to start: the call runs as if unwrapped.
      return call.apply(self, args);
    }
    let result: unknown;
    try {
      result = call.apply(self, args);
    } catch (e) {
      call_.fail(e);
      throw e;
    }
    if (!isThenable(result)) {
      call_.done(result);
      return result;
    }
    const stream = isRec(args[0]) && args[0].stream === true;
    const ok = (value: unknown) => (stream ? call_.stream(value) : call_.done(value));
    if (isNativePromise(result)) {
      // On the side, attached now, before the caller's own handlers: a stream is wrapped before it is read.
      onSettled(result, ok, call_.fail);
      return result;
    }
    return lazilyObserved(result, ok, call_.fail, () => call_.raw());
  };
}

function isNativePromise(v: unknown): v is Promise<unknown> {
  return v instanceof Promise && Object.getPrototypeOf(v) === Promise.prototype;
}

/** Calls ok or err when p settles; neither can throw into or reject anything of the app's. */
function onSettled(p: PromiseLike<unknown>, ok: (v: unknown) => void, err: (e: unknown) => void): void {
  safe(() => p.then((v) => safe(() => ok(v), undefined), (e: unknown) => safe(() => err(e), undefined)), undefined);
}

/**
 * The app's thenable behind a Proxy: the recorder is attached when the app asks for the parsed
 * result (then, catch, finally, withResponse), never before; asResponse() hands the body over
 * unread and ends the record with `raw`.
 */
function lazilyObserved<T extends object>(p: T, ok: (v: unknown) => void, err: (e: unknown) => void, raw: () => void): T {
  let attached = false;
  const attach = () => {
    if (attached) return;
    attached = true;
    onSettled(p as PromiseLike<unknown>, ok, err);
  };
  return new Proxy(p, {
    get(t, key) {
      const v: unknown = Reflect.get(t, key, t);
      if (typeof v !== 'function') return v;
      const f = v as (...a: unknown[]) => unknown;
      if (key === 'then' || key === 'catch' || key === 'finally') {
        return (...a: unknown[]) => {
          attach();
          return f.apply(t, a);
        };
      }
      if (key === 'withResponse') {
        return (...a: unknown[]) => {
          const r = f.apply(t, a);
          if (!attached && isThenable(r)) {
            attached = true;
            onSettled(r, (x) => ok(isRec(x) ? x.data : x), err);
          }
          return r;
        };
      }
      if (key === 'asResponse') {
        return (...a: unknown[]) => {
          const r = f.apply(t, a);
          if (!attached && isThenable(r)) {
            attached = true;
            onSettled(r, raw, err);
          }
          return r;
        };
      }
      return f.bind(t);
    },
  });
}

interface Recorded {
  fail(e: unknown): void;
  done(value: unknown): void;
  stream(value: unknown): void;
  /** The app took the raw Response: nothing more is known. */
  raw(): void;
}

/** A recorded call: its generation (and the trace it made, if none was current). */
function start(loupe: Loupe, api: Api, name: string, params: Rec, o: WrapOpenAIOptions): Recorded {
  const parent: Observation | undefined = loupe.current();
  // The request read as generation(request) reads it (llm.ts promptOf).
  const input = api === 'chat' ? params.messages : responsesInput(params);
  const own: Trace | undefined = parent ? undefined : loupe.trace({ name: o.traceName ?? name, input });
  const { messages: _m, input: _i, instructions: _s, model, stream: _st, stream_options: _so, ...settings } = params;
  const gen: Generation = (parent ?? own!).generation({
    name, input, model: typeof model === 'string' ? model : undefined, provider: 'openai',
    params: Object.keys(settings).length ? settings : undefined, metadata: o.metadata,
  });
  let finished = false;
  const end = (output: unknown, usage: Rec | undefined, model: unknown, extra?: Metadata) => {
    if (finished) return;
    finished = true;
    if (extra) gen.update({ metadata: { ...o.metadata, ...extra } });
    gen.end({ output, usage: normalizeUsage(usage), ...(typeof model === 'string' ? { model } : {}) });
    own?.end(output);
  };
  const fail = (e: unknown) => {
    if (finished) return;
    finished = true;
    endWithError(gen, own, e);
  };
  return {
    fail,
    raw: () => end(undefined, undefined, undefined, { rawResponse: true }),
    done(value: unknown) {
      if (!isRec(value)) return end(value, undefined, undefined);
      const mapped = api === 'chat' ? chatOutput(value) : responseOutput(value);
      end(mapped.output, isRec(value.usage) ? value.usage : undefined, value.model, mapped.extra);
    },
    stream(stream: unknown) {
      const acc = api === 'chat' ? new ChatStream() : new ResponseStream();
      const began = Date.now();
      let first: number | undefined;
      const finish = (partial: boolean) => {
        const r = acc.result();
        const extra: Metadata = { ...r.extra, streamed: true };
        if (first !== undefined) extra.timeToFirstChunkMs = first - began;
        if (partial) extra.partial = true;
        end(r.output, r.usage, r.model, extra);
      };
      if (!wrapIterator(stream, {
        chunk(c) {
          first ??= Date.now();
          acc.add(c);
        },
        end: () => finish(false),
        stopped: () => finish(true),
        error: fail,
      })) end(undefined, undefined, undefined, { streamed: true, unreadable: true });
    },
  };
}

interface StreamHooks {
  chunk(c: unknown): void;
  end(): void;
  stopped(): void;
  error(e: unknown): void;
}

/** Wraps the stream's iterator in place; false when the stream has none. */
function wrapIterator(stream: unknown, hooks: StreamHooks): boolean {
  if (!isRec(stream) && typeof stream !== 'object') return false;
  const s = stream as Rec & { [Symbol.asyncIterator]?: () => AsyncIterator<unknown> };
  const key: 'iterator' | typeof Symbol.asyncIterator | undefined =
    typeof s.iterator === 'function' ? 'iterator' : typeof s[Symbol.asyncIterator] === 'function' ? Symbol.asyncIterator : undefined;
  if (key === undefined) return false;
  const original = (s as Record<PropertyKey, unknown>)[key] as () => AsyncIterator<unknown>;
  (s as Record<PropertyKey, unknown>)[key] = function (this: unknown) {
    const it = original.call(this ?? s);
    // Recording never breaks the app's stream.
    const quiet = (f: () => void) => safe(f, undefined);
    const wrapped: AsyncIterableIterator<unknown> = {
      async next(...a: [] | [unknown]) {
        let r: IteratorResult<unknown>;
        try {
          r = await it.next(...a);
        } catch (e) {
          quiet(() => hooks.error(e));
          throw e;
        }
        quiet(() => (r.done ? hooks.end() : hooks.chunk(r.value)));
        return r;
      },
      async return(v?: unknown) {
        quiet(() => hooks.stopped());
        return it.return ? it.return(v) : { done: true, value: v };
      },
      async throw(e?: unknown) {
        quiet(() => hooks.error(e));
        if (it.throw) return it.throw(e);
        throw e;
      },
      [Symbol.asyncIterator]() {
        return wrapped;
      },
    };
    return wrapped;
  };
  return true;
}

interface Accumulated {
  output: unknown;
  usage?: Rec;
  model?: unknown;
  extra?: Metadata;
}

/** Chat completion chunks put back together: each choice's text and tool calls, the usage chunk. */
class ChatStream {
  private readonly choices = new Map<number, { role: string; content: string; toolCalls: Map<number, { id?: string; name: string; arguments: string }>; finish?: string }>();
  private usage?: Rec;
  private model?: unknown;

  add(chunk: unknown): void {
    if (!isRec(chunk)) return;
    if (isRec(chunk.usage)) this.usage = chunk.usage;
    if (chunk.model !== undefined) this.model = chunk.model;
    for (const ch of Array.isArray(chunk.choices) ? chunk.choices.filter(isRec) : []) {
      const i = typeof ch.index === 'number' ? ch.index : 0;
      let c = this.choices.get(i);
      if (!c) this.choices.set(i, (c = { role: 'assistant', content: '', toolCalls: new Map() }));
      if (typeof ch.finish_reason === 'string') c.finish = ch.finish_reason;
      const d = isRec(ch.delta) ? ch.delta : {};
      if (typeof d.role === 'string') c.role = d.role;
      if (typeof d.content === 'string') c.content += d.content;
      for (const tc of Array.isArray(d.tool_calls) ? d.tool_calls.filter(isRec) : []) {
        const ti = typeof tc.index === 'number' ? tc.index : 0;
        let t = c.toolCalls.get(ti);
        if (!t) c.toolCalls.set(ti, (t = { name: '', arguments: '' }));
        if (typeof tc.id === 'string') t.id = tc.id;
        const f = isRec(tc.function) ? tc.function : {};
        if (typeof f.name === 'string') t.name += f.name;
        if (typeof f.arguments === 'string') t.arguments += f.arguments;
      }
    }
  }

  result(): Accumulated {
    const ordered = [...this.choices.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
    const messages = ordered.map((c) => {
      const m: Rec = { role: c.role, content: c.content };
      if (c.toolCalls.size) {
        m.tool_calls = [...c.toolCalls.entries()].sort((a, b) => a[0] - b[0])
          .map(([, t]) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
      }
      return m;
    });
    const reasons = ordered.map((c) => c.finish).filter((r) => r !== undefined);
    return {
      output: messages.length === 1 ? messages[0] : messages,
      usage: this.usage,
      model: this.model,
      extra: reasons.length ? { finishReason: reasons.length === 1 ? reasons[0] : reasons } : undefined,
    };
  }
}

/** Response stream events: the final response when it came, else the text deltas so far. */
class ResponseStream {
  private final?: Rec;
  private text = '';
  private model?: unknown;

  add(event: unknown): void {
    if (!isRec(event)) return;
    if (isRec(event.response)) {
      this.model = event.response.model ?? this.model;
      if (event.type === 'response.completed' || event.type === 'response.incomplete' || event.type === 'response.failed') this.final = event.response;
    }
    if (event.type === 'response.output_text.delta' && typeof event.delta === 'string') this.text += event.delta;
  }

  result(): Accumulated {
    if (this.final) {
      const m = responseOutput(this.final);
      return { output: m.output, usage: isRec(this.final.usage) ? this.final.usage : undefined, model: this.final.model, extra: m.extra };
    }
    return { output: { role: 'assistant', content: this.text }, model: this.model };
  }
}
