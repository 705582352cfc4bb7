// Long text folded after a number of lines or characters, with a "show more (N lines)" toggle.
import { useMemo, useState } from 'react';
import { Highlight, needles } from './highlight';
import { valueMatches } from './search';

interface Fold {
  head: string;
  /** What the toggle says is hidden. */
  hidden: string;
  tailHasMatch: boolean;
}

// A fold that would hide only a line or two saves nothing: show those instead.
const SLACK_LINES = 3;
const SLACK_CHARS = 300;

function fold(text: string, lines: number, chars: number, search: readonly string[]): Fold | null {
  let count = 1;
  for (let i = text.indexOf('\n'); i !== -1 && count <= lines + SLACK_LINES; i = text.indexOf('\n', i + 1)) count++;
  if (count <= lines + SLACK_LINES && text.length <= chars + SLACK_CHARS) return null;
  let end = text.length;
  let nl = -1;
  for (let n = 0; n < lines; n++) {
    nl = text.indexOf('\n', nl + 1);
    if (nl === -1) break;
  }
  if (nl !== -1) end = nl;
  if (end > chars) {
    // Cut at a word boundary when one is near, so the fold does not split a word.
    const space = text.lastIndexOf(' ', chars);
    end = space > chars - 200 ? space : chars;
  }
  const head = text.slice(0, end);
  const tail = text.slice(end);
  let hiddenLines = 0;
  for (let i = tail.indexOf('\n'); i !== -1; i = tail.indexOf('\n', i + 1)) hiddenLines++;
  const hidden = hiddenLines > 1 ? `${hiddenLines.toLocaleString()} lines` : `${tail.length.toLocaleString()} chars`;
  return { head, hidden, tailHasMatch: search.some((n) => valueMatches(tail, n)) };
}

export function FoldText({ text, search = '', lines = 20, chars = 2000, mono = false, expandLabel = 'show more', className = '' }: {
  text: string;
  search?: string | readonly string[];
  /** Lines shown while folded. */
  lines?: number;
  /** Characters shown while folded (a single long line folds too). */
  chars?: number;
  mono?: boolean;
  expandLabel?: string;
  className?: string;
}) {
  const [open, setOpen] = useState(false);
  const key = needles(search).join('\u0000');
  const f = useMemo(() => fold(text, lines, chars, key ? key.split('\u0000') : []), [text, lines, chars, key]);
  const Tag = mono ? 'pre' : 'div';
  const shown = f && !open ? f.head : text;
  return (
    <div className={`sp-fold ${className}`}>
      <Tag className={mono ? 'sp-pre' : 'sp-text'}>
        <Highlight text={shown} search={search} />
        {f && !open && <span className="faint">…</span>}
      </Tag>
      {f && (
        <button type="button" className="sp-link" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'show less' : `${expandLabel} (${f.hidden})`}
          {!open && f.tailHasMatch && <mark className="sp-match-hint">matches</mark>}
        </button>
      )}
    </div>
  );
}
