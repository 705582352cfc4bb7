// Page-level keyboard shortcuts, ignored while the reader types in a box.
import { useEffect, useRef } from 'react';

export type KeyMap = Partial<Record<string, (e: KeyboardEvent) => void>>;

function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  return t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable;
}

export function useKeys(map: KeyMap): void {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey || typing(e)) return;
      // Enter on a focused link or button is that control's own click.
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (e.key === 'Enter' && (tag === 'A' || tag === 'BUTTON')) return;
      const fn = ref.current[e.key];
      if (!fn) return;
      e.preventDefault();
      fn(e);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
