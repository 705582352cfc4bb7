// The middle of the span panel, by kind: a chat for LLM calls, ranked documents for retrieval and
// reranking, arguments and result for tools, texts and a vector summary for embeddings.
import { useState, type ReactNode } from 'react';
import type { Span } from '../lib/types';
import { Chat } from './chat';
import { Documents } from './documents';
import { FoldText } from './fold-text';
import { JsonTree } from './json-tree';
import { asConversation } from './messages';
import { valueMatches } from './search';
import { Block, ValueView } from './value-view';
import { asDocuments, embeddingTexts, isEmpty, isList, isRecord, maybeJson, str, vectorSummary, withoutVectors } from './values';

interface BodyProps {
  span: Span;
  search: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Input or output as a chat when it holds messages, otherwise as text or a tree. */
function IoBlock({ title, value, search, testId }: { title: string; value: unknown; search: string; testId?: string }) {
  const conv = asConversation(value);
  if (conv) {
    return (
      <Block title={title} extra={<span className="faint sp-small">{plural(conv.messages.length, 'message')}</span>} copy={value} testId={testId}>
        <Chat messages={conv.messages} search={search} />
        {conv.rest && <Disclosure label="other fields" value={conv.rest} search={search} />}
      </Block>
    );
  }
  const v = maybeJson(value);
  // Completion-style prompts (OpenInference llm.prompts) are a list of texts.
  if (isList(v) && v.length > 1 && v.every((x): x is string => typeof x === 'string')) {
    return (
      <Block title={title} extra={<span className="faint sp-small">{plural(v.length, 'text')}</span>} copy={value} testId={testId}>
        <ol className="sp-texts">{v.map((t, i) => <li key={i}><FoldText text={t} search={search} /></li>)}</ol>
      </Block>
    );
  }
  return (
    <Block title={title} copy={value} testId={testId}>
      <ValueView value={value} search={search} />
    </Block>
  );
}

function Disclosure({ label, value, search, children }: { label: string; value: unknown; search: string; children?: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="sp-disclosure">
      <button type="button" className="sp-link" onClick={() => setOpen(!open)} aria-expanded={open}>
        {open ? '▾' : '▸'} {label}
        {!open && valueMatches(value, search) && <mark className="sp-match-hint">matches</mark>}
      </button>
      {open && (children ?? <JsonTree value={value} search={search} openDepth={1} />)}
    </div>
  );
}

function LlmBody({ span, search }: BodyProps) {
  return (
    <>
      <IoBlock title="Input" value={span.input} search={search} />
      {isEmpty(span.output) && span.status === 'error' ? (
        <Block title="Output"><span className="faint">no output (the call failed)</span></Block>
      ) : (
        <IoBlock title="Output" value={span.output} search={search} />
      )}
    </>
  );
}

function Query({ value, search }: { value: unknown; search: string }) {
  const v = maybeJson(value);
  const key = isRecord(v) ? ['query', 'text', 'input', 'question'].find((k) => typeof v[k] === 'string') : undefined;
  const q = typeof v === 'string' ? v : isRecord(v) && key ? str(v[key]) : undefined;
  // Other request fields (k, filters…); a reranker's input documents are listed on their own.
  const rest = isRecord(v) && key ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== key && k !== 'documents')) : {};
  return (
    <Block title="Query" copy={q ?? value}>
      {q !== undefined ? <FoldText text={q} search={search} lines={8} /> : <ValueView value={value} search={search} />}
      {!isEmpty(rest) && <Disclosure label="other fields" value={rest} search={search} />}
    </Block>
  );
}

function RetrievalBody({ span, search }: BodyProps) {
  const input = maybeJson(span.input);
  const inputDocs = span.kind === 'reranker' && isRecord(input) ? asDocuments(input.documents) : null;
  const docs = asDocuments(span.output);
  return (
    <>
      <Query value={span.input} search={search} />
      {inputDocs && (
        <Disclosure label={`${plural(inputDocs.length, 'input document')}`} value={inputDocs} search={search}>
          <Documents docs={inputDocs} search={search} testId="input-documents" />
        </Disclosure>
      )}
      {docs ? (
        <Block title="Documents" extra={<span className="faint sp-small">{docs.length}</span>} copy={span.output}>
          <Documents docs={docs} search={search} />
        </Block>
      ) : (
        <Block title="Output" copy={span.output}><ValueView value={span.output} search={search} /></Block>
      )}
    </>
  );
}

function ToolBody({ span, search }: BodyProps) {
  const a = span.attributes;
  const description = str(a['tool.description']) ?? str(a['gen_ai.tool.description']);
  return (
    <>
      {description && <p className="sp-tool-desc muted">{description}</p>}
      <Block title="Arguments" copy={span.input} testId="tool-args">
        <ValueView value={span.input} search={search} mono />
      </Block>
      <Block title="Result" copy={span.output} testId="tool-result">
        {isEmpty(span.output) && span.status === 'error' ? <span className="faint">no result (the call failed)</span> : <ValueView value={span.output} search={search} />}
      </Block>
    </>
  );
}

function EmbeddingBody({ span, search }: BodyProps) {
  const texts = embeddingTexts(span.input, span.attributes);
  const summary = vectorSummary(span.output);
  const dims = span.attributes['gen_ai.embeddings.dimension.count'];
  return (
    <>
      <Block title="Inputs" extra={<>{texts && <span className="faint sp-small">{plural(texts.length, 'text')}</span>}{span.model && <span className="badge mono">{span.model}</span>}</>} copy={texts ?? span.input} testId="embedding-inputs">
        {texts ? (
          <ol className="sp-texts">{texts.map((t, i) => <li key={i}><FoldText text={t} search={search} lines={8} /></li>)}</ol>
        ) : (
          <ValueView value={withoutVectors(maybeJson(span.input))} search={search} />
        )}
      </Block>
      <Block title="Output">
        {summary ? (
          <span className="mono">{summary}</span>
        ) : !isEmpty(span.output) ? (
          <ValueView value={withoutVectors(maybeJson(span.output))} search={search} />
        ) : (
          <span className="faint">{typeof dims === 'number' || typeof dims === 'string' ? `vectors of ${dims} dimensions (not recorded)` : 'vectors not recorded'}</span>
        )}
      </Block>
    </>
  );
}

function GenericBody({ span, search }: BodyProps) {
  return (
    <>
      <IoBlock title="Input" value={span.input} search={search} />
      <IoBlock title="Output" value={span.output} search={search} />
    </>
  );
}

export function SpanBody({ span, search }: BodyProps) {
  switch (span.kind) {
    case 'llm':
      return <LlmBody span={span} search={search} />;
    case 'retrieval':
    case 'reranker':
      return <RetrievalBody span={span} search={search} />;
    case 'tool':
      return <ToolBody span={span} search={search} />;
    case 'embedding':
      return <EmbeddingBody span={span} search={search} />;
    default:
      return <GenericBody span={span} search={search} />;
  }
}
