// What the tree, timeline and flame views share: one tree, one selection, one collapse state.
import type { SpanNode, SpanTree } from './span-tree';

export interface ViewProps {
  tree: SpanTree;
  /** The rows left after collapsing, in depth-first order (tree and timeline list these). */
  rows: SpanNode[];
  collapsed: Set<string>;
  toggle: (id: string) => void;
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** Span ids that match the trace search, or null when there is no search. */
  matches: Set<string> | null;
}

export const SPAN_ROW = 28;

export function rowClass(n: SpanNode, p: ViewProps): string {
  let c = `srow kind-${n.span.kind}`;
  if (n.span.id === p.selectedId) c += ' selected';
  if (n.span.status === 'error') c += ' error';
  if (p.matches) c += p.matches.has(n.span.id) ? ' match' : ' dim';
  return c;
}
