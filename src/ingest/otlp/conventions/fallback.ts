// Last resort, after every named convention: a tool name means a tool span, any model key an
// llm span; otherwise a plain span.
import { fill, type ConventionMapper } from '../draft.js';

export const fallback: ConventionMapper = {
  name: 'fallback',
  map({ attrs }, d) {
    if (attrs['gen_ai.tool.name'] !== undefined || attrs['gen_ai.tool.call.id'] !== undefined || attrs['tool.name'] !== undefined) fill(d, 'kind', 'tool');
    if (d.model !== undefined || attrs.model !== undefined) fill(d, 'kind', 'llm');
    fill(d, 'kind', 'span');
  },
};
