// The span tree, its critical path and the flame layout, from spans as the API serves them.
import { describe, expect, test } from 'vitest';
import type { Span } from '../lib/types';
import { flameLayout } from './flame-layout';
import { buildSpanTree, isoMs, visibleRows } from './span-tree';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function span(id: string, parentId: string | null, start: number, end: number, extra: Partial<Span> = {}): Span {
  return {
    id, traceId: 't', parentId, projectId: '1', kind: 'span', name: id, status: 'ok', error: null,
    startTime: iso(start), endTime: iso(end), durationMs: end - start, input: null, output: null, model: null, provider: null,
    params: {}, usage: {}, costUsd: null, metadata: {}, attributes: {}, events: [], links: [], ...extra,
  };
}

// root ─ plan (0-100) ─ then two tools in parallel: a (110-300) and b (120-250) ─ then answer (310-500)
const spans = [
  span('answer', 'root', 310, 500, { kind: 'llm', usage: { totalTokens: 40 }, costUsd: 0.2 }),
  span('root', null, 0, 500, { kind: 'agent', usage: { totalTokens: 999 } }),
  span('a', 'root', 110, 300, { kind: 'tool', status: 'error' }),
  span('plan', 'root', 0, 100, { kind: 'llm', usage: { inputTokens: 10, outputTokens: 5 }, costUsd: 0.1 }),
  span('b', 'root', 120, 250, { kind: 'tool' }),
  span('orphan', 'never-arrived', 50, 60),
];

describe('span tree', () => {
  test('isoMs keeps the microseconds an ISO time carries', () => {
    expect(isoMs('2026-12-07T10:00:00.123456Z')! - T0).toBeCloseTo(123.456, 3);
    expect(isoMs('2026-12-07T10:00:00Z')).toBe(T0);
    expect(isoMs(null)).toBeNull();
  });

  test('children in start order, orphans as roots, depth-first rows', () => {
    const tree = buildSpanTree(spans);
    expect(tree.roots.map((n) => n.span.id)).toEqual(['root', 'orphan']);
    expect(tree.ordered.map((n) => n.span.id)).toEqual(['root', 'plan', 'a', 'b', 'answer', 'orphan']);
    expect(tree.byId.get('b')!.depth).toBe(1);
    expect(tree.total).toBeCloseTo(500, 6);
  });

  test('subtree sums count only llm and embedding usage, and every cost and error', () => {
    const root = buildSpanTree(spans).byId.get('root')!;
    expect(root.subtreeTokens).toBe(55);
    expect(root.subtreeCost).toBeCloseTo(0.3, 9);
    expect(root.subtreeErrors).toBe(1);
    expect(root.subtreeSize).toBe(5);
  });

  test('the critical path skips the parallel tool that finished first', () => {
    const tree = buildSpanTree(spans);
    expect([...tree.critical].sort()).toEqual(['a', 'answer', 'plan', 'root']);
  });

  test('a collapsed node hides everything under it', () => {
    const tree = buildSpanTree(spans);
    expect(visibleRows(tree, new Set(['root'])).map((n) => n.span.id)).toEqual(['root', 'orphan']);
    expect(visibleRows(tree, new Set()).length).toBe(6);
  });

  test('flame: sequential children keep their time, parallel ones sit side by side', () => {
    const tree = buildSpanTree(spans.filter((s) => s.id !== 'orphan'));
    const box = new Map(flameLayout(tree).map((b) => [b.node.span.id, b]));
    expect(box.get('root')).toMatchObject({ x: 0, w: 1 });
    // a and b overlap in time: packed one after the other, never on top of each other
    const [a, b] = [box.get('a')!, box.get('b')!];
    expect(a.x + a.w).toBeLessThanOrEqual(b.x + 1e-9);
    const sum = [...box.values()].filter((x) => x.node.depth === 1).reduce((n, x) => n + x.w, 0);
    expect(sum).toBeLessThanOrEqual(1 + 1e-9);
    // a sequential pair under a parent keeps its place in time
    const seq = buildSpanTree([span('r', null, 0, 100), span('x', 'r', 10, 30), span('y', 'r', 50, 90)]);
    const s = new Map(flameLayout(seq).map((b) => [b.node.span.id, b]));
    expect(s.get('x')!.x).toBeCloseTo(0.1, 9);
    expect(s.get('y')!.x).toBeCloseTo(0.5, 9);
    expect(s.get('y')!.w).toBeCloseTo(0.4, 9);
  });
});
