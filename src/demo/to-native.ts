// Demo traces as a native ingest batch (POST /api/v1/ingest): the model's own input shapes.
import type { ChatMessage } from '../model/messages.js';
import type { DemoSpan, DemoTrace } from './types.js';

const iso = (us: number) => new Date(Math.floor(us / 1000)).toISOString();

function io(s: DemoSpan): { input?: unknown; output?: unknown } {
  if (s.llm) return { input: s.llm.input, output: s.llm.output.length ? s.llm.output : undefined };
  if (s.tool) return { input: s.tool.args, output: s.tool.result };
  if (s.retrieval) return { input: s.retrieval.query, output: s.retrieval.documents };
  if (s.rerank) return { input: { query: s.rerank.query, documents: s.rerank.input }, output: s.rerank.output };
  if (s.embedding) return { input: s.embedding.text };
  return { input: s.input, output: s.output };
}

function span(t: DemoTrace, s: DemoSpan): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: s.id, traceId: t.id, parentId: s.parentId ?? null, kind: s.kind, name: s.name,
    status: s.error ? 'error' : 'ok', startTime: iso(s.start), endTime: iso(s.end), ...io(s),
    metadata: { 'service.name': t.service },
    attributes: { 'app.name': t.metadata.app, 'deployment.environment.name': t.environment, 'service.version': t.release },
  };
  if (s.error) {
    out.error = `${s.error.type}: ${s.error.message}`;
    out.events = [{ name: 'exception', time: iso(s.end), attributes: { 'exception.type': s.error.type, 'exception.message': s.error.message, 'exception.stacktrace': s.error.stack } }];
  }
  if (s.llm) {
    const l = s.llm;
    Object.assign(out, {
      model: l.model, provider: l.provider, params: l.params, costUsd: l.costUsd,
      usage: { inputTokens: l.inputTokens, outputTokens: l.outputTokens, totalTokens: l.inputTokens + l.outputTokens, ...(l.cacheReadTokens ? { cacheReadTokens: l.cacheReadTokens } : {}), ...(l.reasoningTokens ? { reasoningTokens: l.reasoningTokens } : {}) },
    });
    (out.attributes as Record<string, unknown>)['llm.response.id'] = l.responseId;
    (out.attributes as Record<string, unknown>)['llm.finish_reason'] = l.finishReason;
  }
  if (s.embedding) Object.assign(out, { model: s.embedding.model, provider: 'openai', usage: { inputTokens: s.embedding.inputTokens, totalTokens: s.embedding.inputTokens } });
  if (s.rerank) out.model = s.rerank.model;
  return out;
}

/** The native ingest body for these traces. */
export function toNativeBatch(traces: DemoTrace[]): { traces: unknown[]; spans: unknown[] } {
  return {
    traces: traces.map((t) => ({
      id: t.id, name: t.name, userId: t.userId, sessionId: t.sessionId, environment: t.environment, release: t.release,
      tags: t.tags, metadata: t.metadata, input: t.input, ...(t.output !== undefined ? { output: t.output } : {}),
    })),
    spans: traces.flatMap((t) => t.spans.map((s) => span(t, s))),
  };
}

export type { ChatMessage };
