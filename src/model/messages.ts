// The chat message shape Loupe stores in llm span input/output, whatever convention brought it
// (OpenAI-style, which every dashboard and SDK already reads).

export interface ToolCall {
  id?: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ContentPart {
  type: string;
  text?: string;
  [k: string]: unknown;
}

export interface ChatMessage {
  role: string;
  content?: string | ContentPart[] | null;
  name?: string;
  tool_call_id?: string;
  tool_calls?: ToolCall[];
  finish_reason?: string;
}
