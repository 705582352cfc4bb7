// The filter expression language (`filter=` on every list, the CLI's --filter): tokens, then a
// recursive-descent parse into a small tree. Syntax only; which fields exist and what values they
// take is checked against a target's catalog in fields.ts. docs/filters.md is the reference.
import { LoupeError } from '../errors.js';

export type Literal = string | number | boolean | null;
export type CmpOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'contains' | 'in';

export interface Comparison {
  op: 'cmp';
  /** The field name (`kind`, `metadata`, `score`); `key` holds the rest of a dotted keyed field. */
  field: string;
  key?: string;
  cmp: CmpOp;
  /** One literal, or the list of an `in`; times are already microseconds after validation. */
  value: Literal | Literal[];
  /** Character offsets (0-based) of the field and of the value, for error messages. */
  pos: number;
  valuePos: number;
}

export type FilterExpr =
  | { op: 'and'; items: FilterExpr[] }
  | { op: 'or'; items: FilterExpr[] }
  | { op: 'not'; item: FilterExpr }
  | Comparison;

export const MAX_EXPR_LENGTH = 4000;
const MAX_DEPTH = 32;
const MAX_COMPARISONS = 100;

type TokKind = 'ident' | 'string' | 'number' | 'op' | 'punct' | 'word' | 'end';
interface Token {
  kind: TokKind;
  text: string;
  value?: Literal;
  pos: number;
}

const WORDS = new Set(['and', 'or', 'not', 'contains', 'in', 'true', 'false', 'null']);

/** A 400 that names the bad token and where it is. */
export function exprError(message: string, pos: number, token: string, expected?: string): LoupeError {
  const shown = token === '' ? 'end of filter' : /^["'[]/.test(token) ? token : `"${token}"`;
  return new LoupeError('invalid_query', `filter: ${message} at position ${pos} (${shown})`, { parameter: 'filter', position: pos, token, ...(expected ? { expected } : {}) });
}

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (c === '"' || c === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length) throw exprError('unterminated string', start, src.slice(start, start + 20));
        const ch = src[i];
        if (ch === c) { i++; break; }
        if (ch === '\\') {
          const n = src[i + 1];
          const esc: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" };
          if (n === undefined || !(n in esc)) throw exprError('unknown escape in string', i, src.slice(i, i + 2));
          text += esc[n];
          i += 2;
          continue;
        }
        text += ch;
        i++;
      }
      out.push({ kind: 'string', text: src.slice(start, i), value: text, pos: start });
      continue;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && (c !== '-' || /\d/.test(src[i + 1] ?? ''))) {
      i += num[0].length;
      out.push({ kind: 'number', text: num[0], value: Number(num[0]), pos: start });
      continue;
    }
    const op = /^(>=|<=|!=|<>|==|=|>|<)/.exec(src.slice(i));
    if (op) {
      i += op[0].length;
      const text = op[0] === '==' ? '=' : op[0] === '<>' ? '!=' : op[0];
      out.push({ kind: 'op', text, pos: start });
      continue;
    }
    if ('()[],'.includes(c)) {
      i++;
      out.push({ kind: 'punct', text: c, pos: start });
      continue;
    }
    const id = /^[A-Za-z_][\w.\-:/]*/.exec(src.slice(i));
    if (id) {
      i += id[0].length;
      const lower = id[0].toLowerCase();
      if (WORDS.has(lower)) {
        const value = lower === 'true' ? true : lower === 'false' ? false : lower === 'null' ? null : undefined;
        out.push({ kind: 'word', text: lower, pos: start, ...(value !== undefined ? { value } : {}) });
      } else {
        out.push({ kind: 'ident', text: id[0], pos: start });
      }
      continue;
    }
    throw exprError('unexpected character', start, c);
  }
  out.push({ kind: 'end', text: '', pos: src.length });
  return out;
}

/** Parses an expression; throws a LoupeError (400) naming the position and token of the first problem. */
export function parseExpr(src: string): FilterExpr {
  if (src.length > MAX_EXPR_LENGTH) throw exprError(`longer than ${MAX_EXPR_LENGTH} characters`, MAX_EXPR_LENGTH, '');
  if (!src.trim()) throw exprError('empty filter', 0, '');
  const toks = lex(src);
  let at = 0;
  let comparisons = 0;
  const peek = () => toks[at];
  const next = () => toks[at++];
  const isWord = (w: string) => peek().kind === 'word' && peek().text === w;
  const expect = (kind: TokKind, text: string, what: string) => {
    const t = next();
    if (t.kind !== kind || t.text !== text) throw exprError(`expected ${what}`, t.pos, t.text, what);
    return t;
  };

  const literal = (): { value: Literal; pos: number } => {
    const t = next();
    if (t.kind === 'string' || t.kind === 'number' || (t.kind === 'word' && 'value' in t)) return { value: t.value as Literal, pos: t.pos };
    if (t.kind === 'ident') throw exprError(`expected a value; put text in quotes ("${t.text}")`, t.pos, t.text, 'value');
    throw exprError('expected a value (a "string", a number, true, false or null)', t.pos, t.text, 'value');
  };

  const comparison = (): FilterExpr => {
    const f = next();
    if (f.kind !== 'ident') throw exprError('expected a field name', f.pos, f.text, 'field');
    if (++comparisons > MAX_COMPARISONS) throw exprError(`more than ${MAX_COMPARISONS} comparisons`, f.pos, f.text);
    const dot = f.text.indexOf('.');
    const field = dot === -1 ? f.text : f.text.slice(0, dot);
    const key = dot === -1 ? undefined : f.text.slice(dot + 1);
    if (key === '') throw exprError('expected a key after the dot', f.pos + f.text.length, '');
    const o = next();
    let cmp: CmpOp;
    if (o.kind === 'op') cmp = o.text as CmpOp;
    else if (o.kind === 'word' && (o.text === 'contains' || o.text === 'in')) cmp = o.text;
    else throw exprError('expected an operator (=, !=, >, >=, <, <=, contains, in)', o.pos, o.text, 'operator');
    const base = { op: 'cmp' as const, field, ...(key !== undefined ? { key } : {}), cmp, pos: f.pos };
    if (cmp === 'in') {
      const open = expect('punct', '[', '"[" to open the list');
      const items: Literal[] = [];
      do items.push(literal().value);
      while (peek().kind === 'punct' && peek().text === ',' && next());
      expect('punct', ']', '"]" or ","');
      return { ...base, value: items, valuePos: open.pos };
    }
    const v = literal();
    return { ...base, value: v.value, valuePos: v.pos };
  };

  const unary = (depth: number): FilterExpr => {
    if (depth > MAX_DEPTH) throw exprError(`nested deeper than ${MAX_DEPTH}`, peek().pos, peek().text);
    if (isWord('not')) {
      next();
      return { op: 'not', item: unary(depth + 1) };
    }
    if (peek().kind === 'punct' && peek().text === '(') {
      next();
      const inner = or(depth + 1);
      expect('punct', ')', '")"');
      return inner;
    }
    return comparison();
  };
  const and = (depth: number): FilterExpr => {
    const items = [unary(depth)];
    while (isWord('and')) { next(); items.push(unary(depth)); }
    return items.length === 1 ? items[0] : { op: 'and' as const, items };
  };
  const or = (depth: number): FilterExpr => {
    const items = [and(depth)];
    while (isWord('or')) { next(); items.push(and(depth)); }
    return items.length === 1 ? items[0] : { op: 'or', items };
  };

  const tree = or(0);
  const rest = peek();
  if (rest.kind !== 'end') throw exprError('expected "and", "or" or the end of the filter', rest.pos, rest.text, 'and | or | end');
  return tree;
}
