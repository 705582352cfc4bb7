// The span's raw detail below the body: attributes, metadata, events and links, each a collapsible
// section with a filter box, a copy button and JSON trees. Closed sections render nothing.
import { linkClick } from '../lib/router';
import { useState, type ReactNode } from 'react';
import type { Span } from '../lib/types';
import { fmtTime } from '../lib/format';
import { CopyButton } from './copy';
import { Highlight } from './highlight';
import { JsonTree } from './json-tree';
import { valueMatches } from './search';
import { isEmpty, toJsonText } from './values';

function Section({ id, title, count, value, search, defaultOpen = false, children }: {
  id: string;
  title: string;
  count: number;
  /** What copy copies and what the "matches" hint looks into. */
  value: unknown;
  search: string;
  defaultOpen?: boolean;
  children: (filter: string) => ReactNode;
}) {
  const [open, setOpen] = useState(defaultOpen && count > 0);
  const [filter, setFilter] = useState('');
  const empty = count === 0;
  return (
    <section className={`sp-section${open ? ' open' : ''}`} data-testid={`section-${id}`}>
      <header className="sp-section-head" onClick={() => !empty && setOpen(!open)}>
        <button type="button" className="sp-section-toggle" aria-expanded={open} disabled={empty}>
          <span className="sp-caret" aria-hidden>{empty ? '·' : open ? '▾' : '▸'}</span>
          {title}
          <span className="faint sp-small">{count}</span>
        </button>
        {!open && valueMatches(value, search) && <mark className="sp-match-hint">matches</mark>}
        <span className="sp-grow" />
        {open && (
          <input
            className="input sp-filter"
            type="search"
            placeholder="filter keys and values"
            value={filter}
            onClick={(e) => e.stopPropagation()}
            onChange={(e) => setFilter(e.target.value)}
            aria-label={`Filter ${title.toLowerCase()}`}
          />
        )}
        {!empty && <CopyButton text={() => toJsonText(value)} title={`Copy ${title.toLowerCase()} as JSON`} />}
      </header>
      {open && <div className="sp-section-body">{children(filter)}</div>}
    </section>
  );
}

function EventsList({ span, search, filter }: { span: Span; search: string; filter: string }) {
  const f = filter.trim().toLowerCase();
  const shown = span.events.filter((e) => !f || e.name.toLowerCase().includes(f) || valueMatches(e.attributes, f));
  if (!shown.length) return <span className="faint">nothing matches “{filter.trim()}”</span>;
  return (
    <ol className="sp-events">
      {shown.map((e, i) => {
        // A filter that matched the event's name shows all its attributes.
        const attrFilter = f && !e.name.toLowerCase().includes(f) ? filter : '';
        return (
          <li key={i} className="sp-event">
            <div className="sp-event-head">
              <span className={`mono ${e.name === 'exception' ? 'status-error' : ''}`}><Highlight text={e.name} search={[search, filter]} /></span>
              <span className="faint" title={e.time ?? undefined}>{fmtTime(e.time)}</span>
            </div>
            {!isEmpty(e.attributes) && <JsonTree value={e.attributes} search={search} filter={attrFilter} />}
          </li>
        );
      })}
    </ol>
  );
}

function LinksList({ span, search, filter }: { span: Span; search: string; filter: string }) {
  const f = filter.trim().toLowerCase();
  const shown = span.links.filter((l) => !f || `${l.traceId}\n${l.spanId}`.toLowerCase().includes(f) || valueMatches(l.attributes, f));
  if (!shown.length) return <span className="faint">nothing matches “{filter.trim()}”</span>;
  return (
    <ol className="sp-events">
      {shown.map((l, i) => (
        <li key={i} className="sp-event">
          <div className="sp-event-head mono">
            <a href={`/traces/${encodeURIComponent(l.traceId)}`} title="Open the linked trace" onClick={linkClick}>
              <Highlight text={l.traceId} search={[search, filter]} />
            </a>
            <span className="faint">span <Highlight text={l.spanId} search={[search, filter]} /></span>
          </div>
          {!isEmpty(l.attributes) && <JsonTree value={l.attributes} search={search} filter={valueMatches(l.attributes, f) ? filter : ''} />}
        </li>
      ))}
    </ol>
  );
}

export function SpanSections({ span, search }: { span: Span; search: string }) {
  const attributes = span.attributes ?? {};
  const metadata = span.metadata ?? {};
  return (
    <div className="sp-sections">
      <Section id="attributes" title="Attributes" count={Object.keys(attributes).length} value={attributes} search={search} defaultOpen>
        {(filter) => <JsonTree value={attributes} search={search} filter={filter} />}
      </Section>
      <Section id="metadata" title="Metadata" count={Object.keys(metadata).length} value={metadata} search={search}>
        {(filter) => <JsonTree value={metadata} search={search} filter={filter} />}
      </Section>
      <Section id="events" title="Events" count={span.events.length} value={span.events} search={search}>
        {(filter) => <EventsList span={span} search={search} filter={filter} />}
      </Section>
      <Section id="links" title="Links" count={span.links.length} value={span.links} search={search}>
        {(filter) => <LinksList span={span} search={search} filter={filter} />}
      </Section>
    </div>
  );
}
