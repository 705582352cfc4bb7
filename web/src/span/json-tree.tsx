// An expandable JSON tree: nodes open two levels deep, closed ones summarised as {n} / [n],
// long strings folded, an optional filter that keeps only the paths that match, and marks.
import { useMemo, useState } from 'react';
import { CopyButton } from './copy';
import { FoldText } from './fold-text';
import { Highlight } from './highlight';
import { valueMatches } from './search';
import { isRecord, maybeJson, toJsonText } from './values';

const SEP = '\u0001';
/** Entries listed before a "show more" button: a 10,000-item array must not freeze the panel. */
const PAGE = 100;
/** Nodes a filter walks at most; past it, a filter keeps what it has found so far. */
const WALK_LIMIT = 200_000;
/** Containers larger than this start closed. */
const BIG = 30;

interface Filtered {
  /** Paths that match or lead to a match. */
  keep: Set<string>;
  /** Paths whose key matched: their whole subtree is shown. */
  whole: Set<string>;
}

function isContainer(v: unknown): v is unknown[] | Record<string, unknown> {
  return Array.isArray(v) || isRecord(v);
}

function entries(v: unknown[] | Record<string, unknown>): Array<[string, unknown]> {
  return Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
}

function filterPaths(root: unknown, needle: string): Filtered {
  const keep = new Set<string>();
  const whole = new Set<string>();
  let budget = WALK_LIMIT;
  const walk = (v: unknown, path: string): boolean => {
    if (--budget < 0) return false;
    if (!isContainer(v)) return v !== undefined && String(v).toLowerCase().includes(needle);
    let hit = false;
    const isArray = Array.isArray(v);
    for (const [k, x] of entries(v)) {
      const p = path + SEP + k;
      if (!isArray && k.toLowerCase().includes(needle)) {
        whole.add(p);
        keep.add(p);
        hit = true;
      } else if (walk(x, p)) {
        keep.add(p);
        hit = true;
      }
    }
    return hit;
  };
  walk(root, '');
  return { keep, whole };
}

interface Ctx {
  search: string;
  marks: string[];
  filter: Filtered | null;
  filterText: string;
  openDepth: number;
}

function Summary({ value }: { value: unknown[] | Record<string, unknown> }) {
  const n = Array.isArray(value) ? value.length : Object.keys(value).length;
  return <span className="sp-jt-summary">{Array.isArray(value) ? `[${n}]` : `{${n}}`}</span>;
}

function StringValue({ text, ctx }: { text: string; ctx: Ctx }) {
  const [parsed, setParsed] = useState(false);
  // Attributes often hold JSON as text (input.value, invocation parameters): offer to open it.
  const json = useMemo(() => {
    if (text.length < 3) return undefined;
    const v = maybeJson(text);
    return isContainer(v) ? v : undefined;
  }, [text]);
  const long = text.length > 300 || text.split('\n', 8).length > 6;
  return (
    <>
      {parsed && json !== undefined ? (
        <div className="sp-jt-nested"><JsonTree value={json} search={ctx.search} openDepth={1} /></div>
      ) : long ? (
        <FoldText text={text} search={ctx.marks} lines={6} chars={300} className="sp-jt-str sp-jt-long" />
      ) : (
        <span className="sp-jt-str">"<Highlight text={text} search={ctx.marks} />"</span>
      )}
      {json !== undefined && (
        <button type="button" className="sp-link sp-jt-parse" onClick={(e) => { e.stopPropagation(); setParsed(!parsed); }}>
          {parsed ? 'as text' : 'as JSON'}
        </button>
      )}
    </>
  );
}

function Scalar({ value, ctx }: { value: unknown; ctx: Ctx }) {
  if (typeof value === 'string') return <StringValue text={value} ctx={ctx} />;
  if (value === null) return <span className="sp-jt-null">null</span>;
  if (value === undefined) return <span className="faint">undefined</span>;
  const cls = typeof value === 'number' || typeof value === 'bigint' ? 'sp-jt-num' : typeof value === 'boolean' ? 'sp-jt-bool' : '';
  return <span className={cls}><Highlight text={String(value)} search={ctx.marks} /></span>;
}

function Children({ value, path, depth, inWhole, ctx }: { value: unknown[] | Record<string, unknown>; path: string; depth: number; inWhole: boolean; ctx: Ctx }) {
  const [limit, setLimit] = useState(PAGE);
  let list = entries(value);
  if (ctx.filter && !inWhole) {
    const keep = ctx.filter.keep;
    list = list.filter(([k]) => keep.has(path + SEP + k));
  }
  const isArray = Array.isArray(value);
  return (
    <div className="sp-jt-children">
      {list.slice(0, limit).map(([k, x]) => (
        <Node key={k} name={k} isIndex={isArray} value={x} path={path + SEP + k} depth={depth + 1} inWhole={inWhole} ctx={ctx} />
      ))}
      {list.length > limit && (
        <button type="button" className="sp-link sp-jt-more" onClick={() => setLimit(limit + PAGE * 5)}>
          show {Math.min(PAGE * 5, list.length - limit).toLocaleString()} more{list.length - limit > PAGE * 5 ? ` of ${(list.length - limit).toLocaleString()}` : ''}
        </button>
      )}
    </div>
  );
}

function Node({ name, isIndex, value, path, depth, inWhole, ctx }: {
  name: string; isIndex: boolean; value: unknown; path: string; depth: number; inWhole: boolean; ctx: Ctx;
}) {
  // A toggle holds only for the filter it was made under: a new filter reopens its matches.
  const [override, setOverride] = useState<{ filter: string; open: boolean } | null>(null);
  const whole = inWhole || (ctx.filter?.whole.has(path) ?? false);
  const container = isContainer(value);
  const size = container ? (Array.isArray(value) ? value.length : Object.keys(value).length) : 0;
  // Big lists start closed even at the open levels: they would push everything else away.
  const byDefault = ctx.filter && !inWhole ? true : depth < ctx.openDepth && size <= BIG;
  const open = override && override.filter === ctx.filterText ? override.open : byDefault;
  const toggle = () => setOverride({ filter: ctx.filterText, open: !open });
  const canOpen = container && size > 0;

  return (
    <div className="sp-jt-node">
      <div className={`sp-jt-row${canOpen ? ' sp-jt-openable' : ''}`} onClick={canOpen ? toggle : undefined}>
        <span className="sp-jt-caret" aria-hidden>{canOpen ? (open ? '▾' : '▸') : ''}</span>
        <span className={isIndex ? 'sp-jt-index' : 'sp-jt-key'}>
          {isIndex ? name : <Highlight text={name} search={ctx.marks} />}
        </span>
        <span className="sp-jt-colon">:</span>
        <span className="sp-jt-value">
          {container ? (
            <>
              {(!open || !canOpen) && (size === 0 ? <span className="sp-jt-summary">{Array.isArray(value) ? '[]' : '{}'}</span> : <Summary value={value} />)}
              {!open && canOpen && valueMatches(value, ctx.search) && <mark className="sp-match-hint">matches</mark>}
            </>
          ) : (
            <Scalar value={value} ctx={ctx} />
          )}
        </span>
        <CopyButton className="sp-row-copy" text={() => toJsonText(value)} title="Copy this value" />
      </div>
      {canOpen && open && <Children value={value} path={path} depth={depth} inWhole={whole} ctx={ctx} />}
    </div>
  );
}

/**
 * A JSON value as a tree. `search` marks text (the trace-wide search); `filter` also keeps only
 * the paths whose key or value contains it. `openDepth` levels start open (2: the root's entries
 * and theirs).
 */
export function JsonTree({ value, search = '', filter = '', openDepth = 2 }: {
  value: unknown;
  search?: string;
  filter?: string;
  openDepth?: number;
}) {
  const f = filter.trim().toLowerCase();
  const filtered = useMemo(() => (f ? filterPaths(value, f) : null), [value, f]);
  const ctx: Ctx = { search, marks: [search, filter], filter: filtered, filterText: f, openDepth };

  let body;
  if (!isContainer(value)) body = <div className="sp-jt-row"><Scalar value={value} ctx={ctx} /></div>;
  else if (!entries(value).length) body = <span className="sp-jt-summary">{Array.isArray(value) ? '[]' : '{}'}</span>;
  else if (filtered && !filtered.keep.size) body = <span className="faint">nothing matches “{filter.trim()}”</span>;
  else body = <Children value={value} path="" depth={0} inWhole={false} ctx={ctx} />;

  return <div className="sp-jt" data-testid="json-tree">{body}</div>;
}
