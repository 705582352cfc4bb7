// wrapOpenAI: chat completions and responses of an OpenAI client (or anything shaped like one:
// Azure's, a compatible gateway's) recorded as generation spans, streaming or not, nested under
// the observation current where the call is made, or in a trace of their own.
//
// The wrapper never changes what the app gets back: the call's own promise is returned as it is
// (the openai package's APIPromise keeps .withResponse()), and it is observed by a handler
// attached before the app can attach its own, so a stream is instrumented before the app reads
// it. A stream is observed by wrapping its iterator (openai's `iterator`, which both
// `for await` and `.tee()` use, or `Symbol.asyncIterator` on other shapes).
import { Loupe } from '../client.js';
import { normalizeUsage } from '../llm.js';
import type { Generation, Observation, Trace } from '../observation.js';
import type { Metadata } from '../types.js';

export interface WrapOpenAIOptions {
  /** The client to record with; default the most recently made one (Loupe.active()). */
  loupe?: Loupe;
  /** Name of the trace a call outside any observation makes; default the call's name. */
  traceName?: string;
  /** Metadata on every generation. */
  metadata?: Metadata;
}

type Api = 'chat' | 'responses';
type Rec = Record<string, unknown>;
/** Which properties lead to the calls recorded: an object of further steps, or the call's API. */
interface Plan {
  [key: string]: Plan | Api;
}

const PLAN: Plan = {
  chat: { completions: { create: 'chat', parse: 'chat' } },
  responses: { create: 'responses', parse: 'responses' },
};

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns `client` with its chat completions and responses recorded; every other use unchanged. */
export function wrapOpenAI<T extends object>(client: T, options: WrapOpenAIOptions = {}): T {
  return proxied(client, PLAN, options, []);
}

function proxied<T extends object>(target: T, plan: Plan, o: WrapOpenAIOptions, path: string[]): T {
  const made = new WeakMap<object, unknown>();
  return new Proxy(target, {
    get(t, key) {
      // The real object as `this` for getters and methods: the openai package keeps its state in
      // private fields, which a Proxy as `this` would not have.
      const v: unknown = Reflect.get(t, key, t);
      if (typeof v !== 'function' && (typeof v !== 'object' || v === null)) return v;
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
    const loupe = o.loupe ?? Loupe.active();
    if (!loupe?.enabled) return call.apply(self, args);
    const params = isRec(args[0]) ? args[0] : {};
    const call_ = start(loupe, api, `openai.${name}`, params, o);
    let result: unknown;
    try {
      result = call.apply(self, args);
    } catch (e) {
      call_.fail(e);
      throw e;
    }
    if (isThenable(result)) {
      // Attached now, before the caller's own handlers: a stream is wrapped before it is read.
      result.then(
        (value) => (params.stream === true ? call_.stream(value) : call_.done(value)),
        (e: unknown) => call_.fail(e),
      );
    } else call_.done(result);
    return result;
  };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** A recorded call: its generation (and the trace it made, if none was current). */
function start(loupe: Loupe, api: Api, name: string, params: Rec, o: WrapOpenAIOptions) {
  const parent: Observation | undefined = loupe.current();
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
    gen.error(e);
    gen.end();
    own?.error(e);
    own?.end();
  };
  return {
    fail,
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
    const safe = (f: () => void) => {
      try {
        f();
      } catch {
        // recording never breaks the app's stream
      }
    };
    const wrapped: AsyncIterableIterator<unknown> = {
      async next(...a: [] | [unknown]) {
        let r: IteratorResult<unknown>;
        try {
          r = await it.next(...a);
        } catch (e) {
          safe(() => hooks.error(e));
          throw e;
        }
        safe(() => (r.done ? hooks.end() : hooks.chunk(r.value)));
        return r;
      },
      async return(v?: unknown) {
        safe(() => hooks.stopped());
        return it.return ? it.return(v) : { done: true, value: v };
      },
      async throw(e?: unknown) {
        safe(() => hooks.error(e));
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

/** Responses' input as messages: `instructions` as the system message, a string as the user's. */
function responsesInput(params: Rec): unknown {
  const input = typeof params.input === 'string' ? [{ role: 'user', content: params.input }] : params.input;
  if (typeof params.instructions !== 'string') return input;
  return [{ role: 'system', content: params.instructions }, ...(Array.isArray(input) ? input : input === undefined ? [] : [input])];
}

interface Mapped {
  output: unknown;
  extra?: Metadata;
}

/** The assistant message(s) of a chat completion, as the dashboard's chat view reads them. */
function chatOutput(c: Rec): Mapped {
  const choices = Array.isArray(c.choices) ? c.choices.filter(isRec) : [];
  const messages = choices.map((ch) => (isRec(ch.message) ? cleanMessage(ch.message) : ch.message));
  const reasons = choices.map((ch) => ch.finish_reason).filter((r) => typeof r === 'string');
  return { output: messages.length === 1 ? messages[0] : messages, extra: reasons.length ? { finishReason: reasons.length === 1 ? reasons[0] : reasons } : undefined };
}

/** A message without the fields that are null or empty (refusal, annotations, audio). */
function cleanMessage(m: Rec): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(m)) if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  return out;
}

/** A response's output items as one assistant message: its text, and function calls as tool calls. */
function responseOutput(r: Rec): Mapped {
  const items = Array.isArray(r.output) ? r.output.filter(isRec) : [];
  let text = '';
  const toolCalls: Rec[] = [];
  for (const item of items) {
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) if (isRec(part) && typeof part.text === 'string') text += part.text;
    } else if (item.type === 'function_call') {
      toolCalls.push({ id: item.call_id ?? item.id, type: 'function', function: { name: item.name, arguments: item.arguments } });
    }
  }
  const message: Rec = { role: 'assistant', content: text };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return { output: message, extra: typeof r.status === 'string' && r.status !== 'completed' ? { status: r.status } : undefined };
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
