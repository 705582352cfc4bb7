// The "Try it" box of Settings › Redaction: sample text run through the rules as edited on the
// page, saved or not (POST /api/v1/project/redaction/test takes a whole rule set), nothing stored
// or counted. The masked parts of the answer are highlighted.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../lib/api';
import { bodyOf, type Draft } from './redaction-draft';
import type { RedactionTestResult } from './types';

const SAMPLE = 'Hi, I am Jane (jane@example.com, +44 20 7946 0958). My card is 4111 1111 1111 1111 and ticket TICKET-20931 is still open.';

interface Piece {
  text: string;
  /** The rule that masked this piece, when it is a replacement. */
  rule?: string;
  original?: string;
}

/**
 * The answer cut into kept and replaced pieces, from the match offsets in the sample. Should that
 * not give back the server's text (it would be a bug), the `[REDACTED:…]` markers are found in
 * the server's text instead, so what is shown is always what would be stored.
 */
function piecesOf(sample: string, result: RedactionTestResult, draft: Draft): Piece[] {
  const replacement = (rule: string) => {
    const custom = draft.rules.find((r) => r.name.trim() === rule);
    return custom && custom.replacement !== '' ? custom.replacement : `[REDACTED:${rule}]`;
  };
  const pieces: Piece[] = [];
  let at = 0;
  for (const m of result.matches) {
    if (m.start > at) pieces.push({ text: sample.slice(at, m.start) });
    pieces.push({ text: replacement(m.rule), rule: m.rule, original: m.text });
    at = m.end;
  }
  if (at < sample.length) pieces.push({ text: sample.slice(at) });
  if (pieces.map((p) => p.text).join('') === result.text) return pieces;
  return result.text.split(/(\[REDACTED:[^\]]+\])/).filter(Boolean)
    .map((text) => { const m = /^\[REDACTED:([^\]]+)\]$/.exec(text); return m ? { text, rule: m[1] } : { text }; });
}

export function TryRedaction({ draft, edited }: { draft: Draft; edited: boolean }) {
  const [sample, setSample] = useState(SAMPLE);
  const run = useMutation({
    mutationFn: (v: { text: string; draft: Draft; edited: boolean }) => {
      // Rules sent along are checked as a PUT checks them, which times every custom pattern on
      // probe text; the saved ones passed that already, so they are left for the server to use.
      const body = v.edited ? { text: v.text, rules: bodyOf(v.draft) } : { text: v.text };
      return api<RedactionTestResult>('/api/v1/project/redaction/test', { method: 'POST', body: JSON.stringify(body) }).then((result) => ({ result, ...v }));
    },
  });
  const ran = run.data;
  return (
    <section className="settings-block" aria-labelledby="try-title">
      <h2 id="try-title">Try it</h2>
      <p className="muted">Runs the rules as they are on this page, saved or not. Nothing is stored or counted.</p>
      <label htmlFor="try-sample" className="block-label">Sample text</label>
      <textarea id="try-sample" className="input try-sample" rows={4} value={sample} spellCheck={false} data-testid="try-sample"
        onChange={(e) => setSample(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run.mutate({ text: sample, draft, edited });
        }} />
      <div className="settings-actions">
        <button type="button" className="btn" data-testid="try-run" disabled={run.isPending} onClick={() => run.mutate({ text: sample, draft, edited })}>
          {run.isPending ? 'Running…' : 'Try it'}
        </button>
        <span className="faint">Ctrl+Enter in the box does the same.</span>
      </div>
      {run.isError && <div className="field-error" role="alert" data-testid="try-error">{run.error.message}</div>}
      {ran && !run.isError && (
        <div className="try-result" data-testid="try-result-box">
          <div className="block-label">
            What would be stored{' '}
            <span className="faint" data-testid="try-count">
              ({ran.result.matches.length === 0 ? 'nothing masked' : `${ran.result.matches.length} masked`})
            </span>
          </div>
          <pre className="try-output" data-testid="try-result" aria-live="polite">
            {piecesOf(ran.text, ran.result, ran.draft).map((p, i) =>
              p.rule === undefined ? p.text : (
                <mark key={i} className="redacted" title={p.original === undefined ? p.rule : `${p.rule}: ${p.original}`}>{p.text}</mark>
              ))}
          </pre>
        </div>
      )}
    </section>
  );
}
