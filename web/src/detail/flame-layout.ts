// The flame view's layout: width is duration, depth is nesting. Children that ran one after
// another keep their place in time; children that ran in parallel are laid side by side inside
// their parent, each as wide as its duration allows.
import type { SpanNode, SpanTree } from './span-tree';

export interface Box {
  node: SpanNode;
  x: number;
  w: number;
}

/** Boxes as fractions of the root's width (0..1), depth from the node's depth. */
export function flameLayout(tree: SpanTree): Box[] {
  const boxes: Box[] = [];
  const total = tree.total || 1;
  const stack: Box[] = tree.roots.map((r) => ({ node: r, x: r.start / total, w: Math.max(r.end - r.start, 0) / total }));
  while (stack.length) {
    const b = stack.pop()!;
    boxes.push(b);
    const kids = b.node.children;
    if (!kids.length) continue;
    const dur = Math.max(b.node.end - b.node.start, 1e-9);
    let overlap = false;
    for (let i = 1; i < kids.length; i++) if (kids[i].start < kids[i - 1].end - 1e-6) overlap = true;
    if (!overlap) {
      for (const c of kids) stack.push({ node: c, x: b.x + ((c.start - b.node.start) / dur) * b.w, w: ((c.end - c.start) / dur) * b.w });
    } else {
      const sum = kids.reduce((a, c) => a + (c.end - c.start), 0);
      const scale = b.w / Math.max(sum, dur);
      let x = b.x;
      for (const c of kids) {
        const w = (c.end - c.start) * scale;
        stack.push({ node: c, x, w });
        x += w;
      }
    }
  }
  return boxes;
}
