// The first content-addressed format (migration 7), still read: span JSON written before chunks
// (chunks.ts) holds long strings, canonical-JSON strings and list entries as references into
// `blobs`, marked by a first character from Unicode's private use area (U+E000…U+E003):
//   E000<base36 id>   value: the string in blob id
//   E001<json text>   value: a canonical-JSON string, stored as its encoded structure
//   E002<text>        value or key: a literal that itself began with U+E000…U+E003
//   E003<base36 id>   value: the JSON value (encoded) in blob id
//   E003<list>        key: the flattened attributes `<list>.N.*`, as an array of entry objects
// Values written since are JSON text or a chunk list (a BLOB); the reader takes all three.
import Database from 'better-sqlite3';
import { ChunkReader, isInlineText, isRawText } from './chunks.js';
import { BodyCache, restoreTree, type MarkedTree } from './json-tree.js';

const FIRST = 0xe000;
const LAST = 0xe003;
const MARKED_TEXT = /[\ue000-\ue003]/;

const isMarked = (s: string) => {
  const c = s.charCodeAt(0);
  return c >= FIRST && c <= LAST;
};

/** A span JSON column as SQLite returns it: JSON text (maybe with references) or a chunk list. */
export type SpanJsonValue = string | Uint8Array | null;

/** Read side: turns stored JSON text back into the values that were written. */
export class BlobReader {
  private readonly bodies: BodyCache;
  private readonly chunks: ChunkReader;

  /** `unstoredChunk`: see ChunkReader. */
  constructor(db: Database.Database, unstoredChunk?: (id: number) => string | undefined) {
    const row = db.prepare('SELECT body FROM blobs WHERE id = ?').pluck();
    this.bodies = new BodyCache((id) => row.get(id) as string | undefined, 'blob', 4096, 16 * 1024 * 1024);
    this.chunks = new ChunkReader(db, unstoredChunk);
  }

  /** Parses a column's value, joining chunks or resolving references; `fallback` when NULL. */
  json<T>(stored: SpanJsonValue, fallback: T): T {
    if (stored === null || stored === undefined) return fallback;
    if (typeof stored !== 'string' || isInlineText(stored) || isRawText(stored)) return this.chunks.value(stored) as T;
    const v = JSON.parse(stored) as unknown;
    return (MARKED_TEXT.test(stored) ? this.value(v) : v) as T;
  }

  /** The column's JSON text as the API shows it (for SQL filters over span input/output). */
  text(stored: string | Uint8Array): string {
    if (typeof stored !== 'string' || isInlineText(stored) || isRawText(stored)) return this.chunks.text(stored);
    return MARKED_TEXT.test(stored) ? JSON.stringify(this.json(stored, null)) : stored;
  }

  private value(v: unknown): unknown {
    return restoreTree(v, this.tree);
  }

  private readonly tree: MarkedTree = {
    isMarked,
    string: (s) => this.string(s),
    rekey: (o) => {
      // Put groups back in place and unescape keys, keeping the key order.
      const out: Record<string, unknown> = {};
      for (const k in o) {
        const c = k.charCodeAt(0);
        if (c === LAST) for (const entry of o[k] as Array<Record<string, unknown>>) Object.assign(out, entry);
        else if (c === FIRST + 2) out[k.slice(1)] = o[k];
        else out[k] = o[k];
      }
      return out;
    },
  };

  private string(s: string): unknown {
    const c = s.charCodeAt(0) - FIRST;
    if (c === 2) return s.slice(1);
    if (c === 3) return this.value(JSON.parse(this.body(parseInt(s.slice(1), 36))));
    if (c === 1) return JSON.stringify(this.value(JSON.parse(s.slice(1))));
    return this.body(parseInt(s.slice(1), 36));
  }

  private body(id: number): string {
    return this.bodies.get(id);
  }
}

/**
 * Registers `loupe_span_json(text)`: a span JSON column with its content-addressed strings put
 * back, so SQL filters over span input/output (`contains`) see what the API shows. Blob bodies
 * are read through a second, read-only connection: a function may not use the connection whose
 * query is calling it. Returns that connection for the caller to close (none for :memory:,
 * where the function refuses).
 */
export function registerBlobFunctions(db: Database.Database, file: string): Database.Database | undefined {
  const side = file === ':memory:' ? undefined : new Database(file, { readonly: true, fileMustExist: true });
  const reader = side ? new BlobReader(side) : undefined;
  db.function('loupe_span_json', { deterministic: true }, (stored: unknown) => {
    const chunked = stored instanceof Uint8Array;
    if (!chunked && (typeof stored !== 'string' || !MARKED_TEXT.test(stored))) return stored;
    if (!reader) throw new Error('span input/output filters need a file-backed database');
    return reader.text(stored as string | Uint8Array);
  });
  return side;
}
