// Zooming a time axis by dragging across it, or by +/- around the middle. The range is a pair of
// fractions of the whole (0..1), so the timeline (ms) and the flame view (widths) share it.
import { useCallback, useState } from 'react';

export interface RangeZoom {
  /** The shown range, as fractions of the whole. */
  a: number;
  b: number;
  zoomed: boolean;
  set(a: number, b: number): void;
  reset(): void;
  zoomBy(factor: number): void;
  /** Handlers for the element dragged across; the overlay marks the range being chosen. */
  onMouseDown(e: React.MouseEvent<HTMLElement>): void;
  onMouseMove(e: React.MouseEvent): void;
  onMouseUp(): void;
  onMouseLeave(): void;
  overlay: React.ReactNode;
}

export function useRangeZoom(): RangeZoom {
  const [[a, b], setRange] = useState<[number, number]>([0, 1]);
  // The dragged element's box is taken when the drag starts: virtualised rows come and go.
  const [drag, setDrag] = useState<{ x0: number; x1: number; left: number; width: number } | null>(null);
  const at = (clientX: number, box: { left: number; width: number }) => Math.min(1, Math.max(0, (clientX - box.left) / box.width));
  const span = b - a || 1;
  // Stable, so a memoised view that zooms by them is not redrawn by every drag step.
  const set = useCallback((x: number, y: number) => setRange([Math.max(0, Math.min(x, y)), Math.min(1, Math.max(x, y))]), []);
  const reset = useCallback(() => setRange([0, 1]), []);
  return {
    a, b, zoomed: a > 0 || b < 1, set, reset,
    zoomBy(factor) {
      const half = Math.min(1, span * factor) / 2;
      const lo = Math.max(0, Math.min((a + b) / 2 - half, 1 - half * 2));
      setRange([lo, lo + half * 2]);
    },
    onMouseDown(e) {
      if (e.button !== 0) return;
      const r = e.currentTarget.getBoundingClientRect();
      const f = at(e.clientX, r);
      setDrag({ x0: f, x1: f, left: r.left, width: r.width });
    },
    onMouseMove(e) { if (drag) setDrag({ ...drag, x1: at(e.clientX, drag) }); },
    onMouseUp() {
      // A click (no real drag) stays a click: it selects the span under it.
      if (drag && Math.abs(drag.x1 - drag.x0) > 0.01) {
        set(a + Math.min(drag.x0, drag.x1) * span, a + Math.max(drag.x0, drag.x1) * span);
        swallowNextClick();
      }
      setDrag(null);
    },
    onMouseLeave: () => setDrag(null),
    overlay: drag ? <div className="zoom-drag" style={{ left: drag.left + Math.min(drag.x0, drag.x1) * drag.width, width: Math.abs(drag.x1 - drag.x0) * drag.width }} /> : null,
  };
}

/** The click that ends a drag is not a click on the span under the pointer. */
function swallowNextClick(): void {
  const stop = (e: MouseEvent) => { e.stopPropagation(); e.preventDefault(); };
  window.addEventListener('click', stop, { capture: true, once: true });
  // The click, if any, is dispatched in the same task as the mouseup.
  setTimeout(() => window.removeEventListener('click', stop, { capture: true }), 0);
}
