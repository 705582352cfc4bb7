// Retrieved or reranked documents as a ranked list: rank, id, score, folded content, and the
// metadata as a tree behind a toggle.
import { useState } from 'react';
import { FoldText } from './fold-text';
import { Highlight } from './highlight';
import { JsonTree } from './json-tree';
import { valueMatches } from './search';
import type { Doc } from './values';

/** A relevance score: three decimals, or exponent form for the odd huge one. */
function docScore(score: number): string {
  return Math.abs(score) >= 1000 ? score.toExponential(2) : score.toFixed(3);
}

function Metadata({ value, search }: { value: unknown; search: string }) {
  const [open, setOpen] = useState(false);
  const n = Array.isArray(value) ? value.length : typeof value === 'object' && value !== null ? Object.keys(value).length : 1;
  return (
    <div className="sp-doc-meta">
      <button type="button" className="sp-link" onClick={() => setOpen(!open)} aria-expanded={open}>
        {open ? '▾' : '▸'} metadata <span className="faint">{`{${n}}`}</span>
        {!open && valueMatches(value, search) && <mark className="sp-match-hint">matches</mark>}
      </button>
      {open && <JsonTree value={value} search={search} openDepth={1} />}
    </div>
  );
}

export function DocumentView({ doc, rank, search }: { doc: Doc; rank: number; search: string }) {
  return (
    <li className="sp-doc" data-testid="document">
      <div className="sp-doc-head">
        <span className="sp-doc-rank">#{rank}</span>
        {doc.id !== undefined && <span className="sp-doc-id mono"><Highlight text={doc.id} search={search} /></span>}
        {doc.score !== undefined && <span className="sp-doc-score mono" title={`score ${doc.score}`}>{docScore(doc.score)}</span>}
      </div>
      {doc.content !== undefined ? (
        <FoldText text={doc.content} search={search} lines={6} chars={600} />
      ) : doc.contentValue !== undefined ? (
        <JsonTree value={doc.contentValue} search={search} openDepth={1} />
      ) : (
        <span className="faint sp-small">no content</span>
      )}
      {doc.metadata !== undefined && <Metadata value={doc.metadata} search={search} />}
    </li>
  );
}

export function Documents({ docs, search, testId = 'documents' }: { docs: Doc[]; search: string; testId?: string }) {
  return (
    <ol className="sp-docs" data-testid={testId}>
      {docs.map((d, i) => <DocumentView key={i} doc={d} rank={i + 1} search={search} />)}
    </ol>
  );
}
