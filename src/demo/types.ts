// The demo's own neutral trace shape: what happened in an LLM app, before it is written in any
// wire format (OTLP with OpenInference or GenAI attributes, or the native JSON batch).
import type { ChatMessage } from '../model/messages.js';

export type DemoKind = 'agent' | 'chain' | 'llm' | 'tool' | 'retrieval' | 'reranker' | 'embedding' | 'guardrail';

export interface DemoDoc {
  id: string;
  content: string;
  score: number;
}

export interface DemoLlm {
  model: string;
  provider: string;
  params: { temperature: number; max_tokens: number };
  /** Every message sent, system prompt first: agents resend the whole growing conversation. */
  input: ChatMessage[];
  output: ChatMessage[];
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  reasoningTokens?: number;
  costUsd: number;
  finishReason: string;
  responseId: string;
}

export interface DemoSpan {
  id: string;
  parentId?: string;
  name: string;
  kind: DemoKind;
  start: number;
  end: number;
  error?: { type: string; message: string; stack: string };
  llm?: DemoLlm;
  tool?: { name: string; description: string; callId: string; args: Record<string, unknown>; result: string };
  retrieval?: { query: string; documents: DemoDoc[] };
  rerank?: { query: string; model: string; topK: number; input: DemoDoc[]; output: DemoDoc[] };
  embedding?: { model: string; text: string; inputTokens: number };
  /** Plain input/output for agent, chain and guardrail spans. */
  input?: string;
  output?: string;
}

export type DemoStyle = 'openinference' | 'genai';

export interface DemoTrace {
  id: string;
  name: string;
  userId: string;
  sessionId: string;
  environment: string;
  release: string;
  service: string;
  tags: string[];
  metadata: Record<string, string>;
  /** Which attribute convention the app's instrumentation speaks. */
  style: DemoStyle;
  input: string;
  output?: string;
  spans: DemoSpan[];
}
