// Any input/output value shown the best way its shape allows: text folded, JSON (or text that
// is JSON) as a tree, nothing as a faint dash; and Block, a titled part of the panel's body.
import type { ReactNode } from 'react';
import { CopyButton } from './copy';
import { FoldText } from './fold-text';
import { JsonTree } from './json-tree';
import { isEmpty, isRecord, maybeJson, toJsonText } from './values';

export function ValueView({ value, search, mono = false, openDepth = 2 }: { value: unknown; search: string; mono?: boolean; openDepth?: number }) {
  if (value === null || value === undefined || value === '') return <span className="faint">–</span>;
  const v = maybeJson(value);
  if (typeof v === 'string') return <FoldText text={v} search={search} mono={mono} />;
  if (Array.isArray(v) || isRecord(v)) return <JsonTree value={v} search={search} openDepth={openDepth} />;
  return <FoldText text={String(v)} search={search} mono />;
}

/** JSON-ish values pretty-printed for the clipboard; text as it is. */
export function copyText(value: unknown): string {
  const v = maybeJson(value);
  return typeof v === 'string' ? v : toJsonText(v);
}

export function Block({ title, extra, copy, testId, children }: {
  title: ReactNode;
  extra?: ReactNode;
  /** What the block's copy button copies; no button when undefined or empty. */
  copy?: unknown;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <section className="sp-block" data-testid={testId}>
      <header className="sp-block-head">
        <span className="sp-block-title">{title}</span>
        {extra}
        {!isEmpty(copy) && <CopyButton className="sp-block-copy" text={() => copyText(copy)} />}
      </header>
      <div className="sp-block-body">{children}</div>
    </section>
  );
}
