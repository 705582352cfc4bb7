// The spans of one trace as a tree: parents found by id (a span whose parent never arrived is a
// root), children in start order, subtree sums for collapsed nodes, and the critical path.
// Built once per trace; the tree, timeline and flame views all read the same nodes.
import type { Span } from '../lib/types';

export interface SpanNode {
  span: Span;
  depth: number;
  children: SpanNode[];
  parent: SpanNode | null;
  /** Milliseconds from the trace's first start (µs kept: ISO times carry 6 decimals). */
  start: number;
  end: number;
  /** This span and everything below it. */
  subtreeTokens: number;
  subtreeCost: number;
  subtreeErrors: number;
  subtreeSize: number;
}

export interface SpanTree {
  roots: SpanNode[];
  byId: Map<string, SpanNode>;
  /** Depth-first order: the order the tree lists rows in. */
  ordered: SpanNode[];
  t0: number;
  total: number;
  maxDepth: number;
  critical: Set<string>;
}

/** Epoch milliseconds with the microseconds an ISO time carries (Date.parse keeps only ms). */
export function isoMs(iso: string | null): number | null {
  if (!iso) return null;
  const dot = iso.indexOf('.');
  if (dot === -1) return Date.parse(iso);
  const zone = iso.slice(dot).search(/[Z+-]/);
  const frac = zone === -1 ? iso.slice(dot + 1) : iso.slice(dot + 1, dot + zone);
  const whole = Date.parse(iso.slice(0, dot) + (zone === -1 ? '' : iso.slice(dot + zone)));
  return whole + Number(`0.${frac || '0'}`) * 1000;
}

/** Only llm and embedding spans' usage counts: agent and chain spans repeat their children's. */
export function rollsUpUsage(kind: Span['kind']): boolean {
  return kind === 'llm' || kind === 'embedding';
}

export function spanTokens(s: Span): number {
  const u = s.usage;
  return u.totalTokens ?? (u.inputTokens ?? 0) + (u.outputTokens ?? 0);
}

export function buildSpanTree(spans: Span[]): SpanTree {
  let t0 = Infinity;
  for (const s of spans) {
    const st = isoMs(s.startTime);
    if (st !== null && st < t0) t0 = st;
  }
  if (!Number.isFinite(t0)) t0 = 0;

  const byId = new Map<string, SpanNode>();
  for (const s of spans) {
    const st = isoMs(s.startTime);
    const start = st === null ? 0 : st - t0;
    const en = isoMs(s.endTime);
    const end = en !== null ? en - t0 : s.durationMs !== null ? start + s.durationMs : start;
    byId.set(s.id, {
      span: s, depth: 0, children: [], parent: null, start, end: Math.max(end, start),
      subtreeTokens: 0, subtreeCost: 0, subtreeErrors: 0, subtreeSize: 0,
    });
  }
  const roots: SpanNode[] = [];
  for (const n of byId.values()) {
    const p = n.span.parentId ? byId.get(n.span.parentId) : undefined;
    if (p && p !== n) {
      n.parent = p;
      p.children.push(n);
    } else roots.push(n);
  }
  const byStart = (a: SpanNode, b: SpanNode) => a.start - b.start || a.end - b.end;
  roots.sort(byStart);

  // Iterative depth-first walk: a 5,000-span agent loop can nest deeper than the call stack likes.
  const ordered: SpanNode[] = [];
  let maxDepth = 0;
  let total = 0;
  const stack: SpanNode[] = [...roots].reverse();
  while (stack.length) {
    const n = stack.pop()!;
    n.depth = n.parent ? n.parent.depth + 1 : 0;
    if (n.depth > maxDepth) maxDepth = n.depth;
    if (n.end > total) total = n.end;
    ordered.push(n);
    n.children.sort(byStart);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  for (let i = ordered.length - 1; i >= 0; i--) {
    const n = ordered[i];
    n.subtreeTokens += rollsUpUsage(n.span.kind) ? spanTokens(n.span) : 0;
    n.subtreeCost += n.span.costUsd ?? 0;
    n.subtreeErrors += n.span.status === 'error' ? 1 : 0;
    n.subtreeSize += 1;
    if (n.parent) {
      n.parent.subtreeTokens += n.subtreeTokens;
      n.parent.subtreeCost += n.subtreeCost;
      n.parent.subtreeErrors += n.subtreeErrors;
      n.parent.subtreeSize += n.subtreeSize;
    }
  }
  return { roots, byId, ordered, t0, total, maxDepth, critical: criticalPath(roots) };
}

/**
 * The spans the trace's end waited on (Jaeger's rule): from the root that ends last, the child
 * that ends last is on the path, then, before that child's start, the child that ends last, …
 */
function criticalPath(roots: SpanNode[]): Set<string> {
  const path = new Set<string>();
  if (!roots.length) return path;
  const last = roots.reduce((a, b) => (b.end > a.end ? b : a));
  const todo: SpanNode[] = [last];
  while (todo.length) {
    const n = todo.pop()!;
    path.add(n.span.id);
    let bound = n.end;
    const kids = [...n.children].sort((a, b) => b.end - a.end);
    for (const c of kids) {
      if (c.end <= bound + 1e-6) {
        todo.push(c);
        bound = c.start;
      }
    }
  }
  return path;
}

/** Rows the tree shows: depth-first, skipping what lies under a collapsed node. */
export function visibleRows(tree: SpanTree, collapsed: Set<string>): SpanNode[] {
  if (collapsed.size === 0) return tree.ordered;
  const out: SpanNode[] = [];
  let skipBelow = -1;
  for (const n of tree.ordered) {
    if (skipBelow !== -1) {
      if (n.depth > skipBelow) continue;
      skipBelow = -1;
    }
    out.push(n);
    if (collapsed.has(n.span.id) && n.children.length) skipBelow = n.depth;
  }
  return out;
}
