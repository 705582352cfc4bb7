// A small router: the address bar is the state. Pages read the path and query with useLocation
// and change them with navigate(); every view can be bookmarked and shared.
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
window.addEventListener('popstate', notify);

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

const snapshot = () => window.location.pathname + window.location.search;

export interface Loc {
  path: string;
  params: URLSearchParams;
}

export function useLocation(): Loc {
  const href = useSyncExternalStore(subscribe, snapshot);
  const q = href.indexOf('?');
  return { path: q === -1 ? href : href.slice(0, q), params: new URLSearchParams(q === -1 ? '' : href.slice(q + 1)) };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (opts.replace) history.replaceState(history.state, '', to);
  else history.pushState({ inApp: true }, '', to);
  notify();
}

/** The path with these query parameters (empty values dropped). */
export function withParams(path: string, params: URLSearchParams): string {
  const clean = new URLSearchParams();
  params.forEach((v, k) => {
    // score.NAME>N has its whole condition in the key and an empty value.
    if (v !== '' || k.startsWith('score.')) clean.append(k, v);
  });
  const s = clean.toString();
  return s ? `${path}?${s}` : path;
}

/** A click handler for <a href> that routes in-app unless the reader asked for a new tab. */
export function linkClick(e: React.MouseEvent<HTMLAnchorElement>): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(e.currentTarget.getAttribute('href') ?? '/');
}

/** Whether the entry before this one is a page of the dashboard (so "back" stays in the app). */
export function cameFromApp(): boolean {
  return (history.state as { inApp?: boolean } | null)?.inApp === true;
}

/**
 * Back to where the reader came from when that was a page of the dashboard (a list with its
 * filters and scroll), else to `fallback` (the list itself).
 */
export function goBack(fallback: string): void {
  if (cameFromApp()) history.back();
  else navigate(fallback);
}
