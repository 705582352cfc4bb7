// A span kind as a small coloured letter, the same in the tree, timeline, flame view and panel.
import type { SpanKind } from '../lib/types';

const LETTER: Record<SpanKind, string> = {
  llm: 'L', tool: 'T', retrieval: 'R', agent: 'A', chain: 'C', embedding: 'E', reranker: 'Rr',
  guardrail: 'G', evaluator: 'Ev', prompt: 'P', message: 'M', system: 'S', event: 'e', log: 'lg', span: '·',
};

/** Every span kind (the record above must name each, so this list cannot miss one). */
export const SPAN_KINDS = Object.keys(LETTER) as SpanKind[];

export function KindIcon({ kind }: { kind: SpanKind }) {
  return (
    <span className={`kind-icon kind-${kind}`} title={kind} aria-label={kind}>
      {LETTER[kind] ?? '·'}
    </span>
  );
}
