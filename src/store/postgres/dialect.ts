// Everything PostgreSQL does differently from SQLite, in one place: how filters compile (ILIKE,
// ->>, tsvector @@), `?` placeholders turned into $n, how values cross the wire (bigints as
// numbers, no NUL characters, which PostgreSQL text and jsonb cannot hold), and search text.
import pg from 'pg';
import type { Dialect } from '../../query/sql.js';

/** Full-text configuration: no stemming or stop words, like SQLite's unicode61 tokenizer. */
export const TS_CONFIG = 'simple';

export const postgresDialect: Dialect = {
  contains: (col) => `${col} ILIKE ? ESCAPE '\\'`,
  jsonText: (col) => `(${col} ->> ?::text)`,
  // only JSON numbers pass (jsonb_typeof), as SQLite's typeof() check does; one placeholder
  jsonNumber: (col) => `(SELECT CASE WHEN jsonb_typeof(j.v) = 'number' THEN j.v::double precision END FROM (SELECT ${col} -> ?::text AS v) j)`,
  jsonKey: (key) => key,
  // A parameter takes its column's type: 1.5 against a bigint column must be said to be a float.
  numberParam: (v) => (Number.isInteger(v) ? '?' : '?::double precision'),
  spanJson: (col) => col,
  // The tsvector lives on the traces row itself: use the alias the caller gave for its num.
  fullText: (numExpr) => `${numExpr.replace(/\bnum$/, 'search')} @@ plainto_tsquery('${TS_CONFIG}', ?)`,
  // plainto_tsquery ANDs the words and ignores operators, so user text is inert as it is.
  fullTextQuery: (q) => storable(q),
  bytewise: (col) => `(${col} COLLATE "C")`,
};

/**
 * Turns `?` placeholders into $1, $2, … (skipping quoted text). Statements compiled from the
 * shared filter code use `?`; SQL written here uses $n directly. Never use jsonb's `?` operators
 * in SQL that goes through this (use jsonb_exists()).
 */
export function positional(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** PostgreSQL text cannot hold U+0000; it becomes U+FFFD (SQLite would keep it). */
export function noNul(s: string): string {
  return s.includes('\0') ? s.replace(/\0/g, '\uFFFD') : s;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Text PostgreSQL can store: no U+0000, no lone surrogates (both become U+FFFD). */
export function storable(s: string): string {
  return noNul(s).replace(LONE_SURROGATE, '\uFFFD');
}

const unstorable = (_k: string, v: unknown) => (typeof v === 'string' ? storable(v) : v);

/**
 * JSON text that json/jsonb can turn into text: no \u0000 and no lone surrogates (JSON.stringify
 * escapes both, and only those, as \u0000 / \udXXX; PostgreSQL refuses them as text).
 */
export function pgJson(v: unknown): string {
  const s = JSON.stringify(v);
  // Rare: only then pay for a replacer walk (a false positive on literal backslash text is harmless).
  return /\\u(0000|d[89a-f])/.test(s) ? JSON.stringify(v, unstorable) : s;
}

/** undefined means "not said": NULL, so COALESCE keeps the stored value. */
export function jsonText(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}

/** Maps whose emptiness means "not said". */
export function jsonMap(v: Record<string, unknown> | undefined): Record<string, unknown> | null {
  return v && Object.keys(v).length ? v : null;
}

const INT8 = 20;
const NUMERIC = 1700;

/** Per-pool type parsing: bigint (ids, µs times, counts) as JS numbers, all below 2^53. */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** Errors after which the whole transaction may simply run again. */
export function isRetryable(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === '40P01' /* deadlock */ || code === '40001' /* serialization */;
}

/** Cap on text fed to to_tsvector per field: a tsvector holds at most 1 MB. */
export const SEARCH_TEXT_MAX = 100_000;
