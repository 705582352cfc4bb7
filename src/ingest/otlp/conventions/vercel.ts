// Vercel AI SDK telemetry (scope `ai`): ai.operationId, ai.model.*, ai.usage.*, ai.prompt*,
// ai.response.*, ai.toolCall.*, ai.telemetry.metadata.*.
import { fill, fillUsage, fillWith, maybeJson, str, toTags, type ConventionMapper } from '../draft.js';
import { openAiMessages } from '../messages.js';

export const vercel: ConventionMapper = {
  name: 'vercel',
  map({ attrs }, d) {
    const op = str(attrs['ai.operationId']);
    if (op) {
      if (/\.do(Generate|Stream)$/.test(op)) fill(d, 'kind', 'llm');
      else if (/\.doEmbed$/.test(op)) fill(d, 'kind', 'embedding');
      else if (op === 'ai.toolCall') fill(d, 'kind', 'tool');
      else if (op.startsWith('ai.')) fill(d, 'kind', 'chain');
    }
    fill(d, 'model', str(attrs['ai.model.id']));
    fill(d, 'provider', str(attrs['ai.model.provider']));
    fillWith(d, 'input', () => openAiMessages(attrs['ai.prompt.messages']) ?? maybeJson(attrs['ai.prompt']) ?? maybeJson(attrs['ai.toolCall.args']));
    fillWith(d, 'output', () => {
      const text = attrs['ai.response.text'] ?? attrs['ai.result.text'];
      const toolCalls = maybeJson(attrs['ai.response.toolCalls'] ?? attrs['ai.result.toolCalls']);
      if (text === undefined && toolCalls === undefined) return undefined;
      return [{ role: 'assistant', content: text ?? null, ...(Array.isArray(toolCalls) ? { tool_calls: toolCalls } : {}) }];
    });
    fillWith(d, 'output', () => maybeJson(attrs['ai.response.object'] ?? attrs['ai.result.object']) ?? maybeJson(attrs['ai.toolCall.result']));
    // Outer ai.* spans repeat their provider calls' usage; only the provider-call spans carry it.
    if (d.kind === 'llm' || d.kind === 'embedding' || !op) {
      fillUsage(d, 'inputTokens', attrs['ai.usage.promptTokens'] ?? attrs['ai.usage.inputTokens']);
      fillUsage(d, 'outputTokens', attrs['ai.usage.completionTokens'] ?? attrs['ai.usage.outputTokens']);
      fillUsage(d, 'totalTokens', attrs['ai.usage.tokens'] ?? attrs['ai.usage.totalTokens']);
      fillUsage(d, 'cacheReadTokens', attrs['ai.usage.cachedInputTokens']);
      fillUsage(d, 'reasoningTokens', attrs['ai.usage.reasoningTokens']);
    }
    const settings: Record<string, unknown> = {};
    const metaPrefix = 'ai.telemetry.metadata.';
    for (const key in attrs) {
      if (key.startsWith('ai.settings.')) settings[key.slice('ai.settings.'.length)] = attrs[key];
      else if (key.startsWith(metaPrefix)) {
        const k = key.slice(metaPrefix.length);
        if (k === 'userId') fill(d, 'userId', str(attrs[key]));
        else if (k === 'sessionId') fill(d, 'sessionId', str(attrs[key]));
        else if (k === 'tags') fill(d, 'tags', toTags(attrs[key]));
        else d.metadata[k] = attrs[key];
      }
    }
    if (Object.keys(settings).length) fill(d, 'params', settings);
    fill(d, 'name', str(attrs['ai.toolCall.name']));
  },
};
