// An id shown as a link to its page (or a dash when there is none); in-app navigation, new tab
// with Ctrl-click like any link.
import { linkClick, navigate } from '../lib/router';
import './rollup.css';

export function IdLink({ href, id, testId, className }: { href: string; id: string | null | undefined; testId?: string; className?: string }) {
  if (!id) return <span className="faint">–</span>;
  return <a href={href} onClick={(e) => { e.stopPropagation(); linkClick(e); }} title={id} data-testid={testId} className={className}>{id}</a>;
}

/**
 * A link inside something that is itself a link (a trace-list row is one <a>): anchors cannot
 * nest, so this is a span that acts as a link, opening a new tab on Ctrl/⌘-click or middle click.
 */
export function NestedLink({ href, id, testId }: { href: string; id: string | null | undefined; testId?: string }) {
  if (!id) return <span className="faint">–</span>;
  const go = (e: React.MouseEvent | React.KeyboardEvent, newTab: boolean) => {
    e.preventDefault();
    e.stopPropagation();
    if (newTab) window.open(href, '_blank', 'noopener');
    else navigate(href);
  };
  return (
    <span role="link" tabIndex={0} className="nested-link" title={id} data-testid={testId} data-href={href}
      onClick={(e) => go(e, e.metaKey || e.ctrlKey)}
      onAuxClick={(e) => { if (e.button === 1) go(e, true); }}
      onKeyDown={(e) => { if (e.key === 'Enter') go(e, false); }}>
      {id}
    </span>
  );
}
