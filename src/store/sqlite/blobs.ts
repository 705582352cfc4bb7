// Content-addressed strings: every long string inside a span's input, output, attributes or
// events is stored once in `blobs` (keyed by a 128-bit SHA-256 prefix) and replaced in the row's
// JSON by a reference; reads put it back. An agent resends its whole conversation on every LLM
// call, and OpenInference repeats each message in attributes and again in the parsed input: all
// of those copies become one blob each. A long string that is canonical JSON (JSON.stringify of
// its own parse, e.g. gen_ai.input.messages) is kept as its parsed, encoded structure, so the
// messages inside it are shared too; it reads back byte for byte.
//
// The hash → id lookup is an in-memory LRU (warmed from the newest blobs at start), not a SQL
// index: a unique index on random hashes dirties one random page per new blob, which is what
// makes inserts slow down as the table grows. A string seen again after it left the LRU (or
// across a restart, beyond the warm-up) is stored a second time: harmless, reads resolve ids.
//
// Objects inside arrays (chat messages, documents) whose encoded JSON is not tiny are blobs too,
// and in `attributes` each flattened list entry (`llm.input_messages.3.*`, `retrieval.documents.0.*`)
// is one blob, the entries of a list one key: call k of an agent then stores only references to
// the k messages it resends.
//
// Markers: a string's or key's first character, taken from Unicode's private use area (U+E000…
// U+E003) because JSON.stringify leaves those as they are (3 bytes) where it would escape control
// characters (6 bytes), and references are most of what a row holds:
//   E000<base36 id>   value: the string in blob id
//   E001<json text>   value: a canonical-JSON string, stored as its encoded structure
//   E002<text>        value or key: a literal that itself began with U+E000…U+E003
//   E003<base36 id>   value: the JSON value (encoded) in blob id
//   E003<list>        key: the flattened attributes `<list>.N.*`, as an array of entry objects
import { hash } from 'node:crypto';
import Database from 'better-sqlite3';
import { LruMap } from '../lru.js';

/** Strings at least this long are stored once, by content. */
export const BLOB_MIN_CHARS = 64;
/** Objects in arrays and attribute groups whose encoded JSON is at least this long become blobs. */
export const VALUE_MIN_CHARS = 64;
/** Long strings are checked for canonical JSON only from this length (the check parses them). */
const CANONICAL_MIN_CHARS = 512;
/** Strings remembered with their blob id, so a repeat costs a Map lookup instead of a hash. */
const RECENT_STRINGS = 20_000;
/** Hashes remembered with their blob id (about 100 bytes each). */
const KNOWN_HASHES = 300_000;

const REF = '\ue000';
const JSON_REF = '\ue001';
const ESC = '\ue002';
const VALUE_REF = '\ue003';
const GROUP = '\ue003';
const FIRST = 0xe000;
const LAST = 0xe003;
const MARKED_TEXT = /[\ue000-\ue003]/;

const isMarked = (s: string) => {
  const c = s.charCodeAt(0);
  return c >= FIRST && c <= LAST;
};
/** `llm.input_messages.3.message.content` → list `llm.input_messages`, entry 3. */
const GROUP_RE = /^(.*?)\.(\d+)\./;

/** 128 bits of SHA-256 as 22 base64 characters (one native call, no Hash object or Buffer). */
function hashOf(s: string): string {
  return hash('sha256', s, 'base64').slice(0, 22);
}

/** Write side: encodes values for storage, inserting new blobs inside the caller's transaction. */
export class BlobWriter {
  private readonly insert: Database.Statement;
  /** hash → id, for committed blobs only. */
  private readonly known = new LruMap<string, number>(KNOWN_HASHES);
  /** Blobs made in the transaction under way; kept only once it commits. */
  private pending = new Map<string, number>();
  /** The strings themselves → id (committed), and those of the transaction under way. */
  private recent = new Map<string, number>();
  private pendingRecent = new Map<string, number>();

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT INTO blobs (hash, body) VALUES (?, ?) RETURNING id').pluck();
    const newest = db.prepare('SELECT id, hash FROM blobs ORDER BY id DESC LIMIT ?').all(KNOWN_HASHES / 2) as Array<{ id: number; hash: string }>;
    for (let i = newest.length - 1; i >= 0; i--) this.known.set(newest[i].hash, newest[i].id);
  }

  /** JSON text for a column: undefined stays NULL ("not said"), long strings become references. */
  json(v: unknown): string | null {
    return v === undefined ? null : JSON.stringify(this.value(v));
  }

  /** JSON text of a record, or NULL when it is absent or empty. */
  record(v: Record<string, unknown> | undefined): string | null {
    return v && Object.keys(v).length ? JSON.stringify(this.value(v)) : null;
  }

  /** JSON text of span attributes, flattened list entries grouped into one blob each. */
  attributes(a: Record<string, unknown> | undefined): string | null {
    if (!a) return null;
    const out: Record<string, unknown> = {};
    let lists: Map<string, Map<string, Record<string, unknown>>> | undefined;
    let any = false;
    for (const k in a) {
      any = true;
      const m = GROUP_RE.exec(k);
      if (m) {
        lists ??= new Map();
        let list = lists.get(m[1]);
        if (!list) {
          list = new Map();
          lists.set(m[1], list);
          out[GROUP + m[1]] = null; // keeps the list's place among the keys
        }
        let entry = list.get(m[2]);
        if (!entry) list.set(m[2], (entry = {}));
        entry[k] = a[k];
      } else out[isMarked(k) ? ESC + k : k] = this.value(a[k]);
    }
    if (!any) return null;
    for (const [name, list] of lists ?? []) out[GROUP + name] = this.value([...list.values()]);
    return JSON.stringify(out);
  }

  /** The value with long strings replaced; objects are copied only when something changed. */
  value(v: unknown): unknown {
    if (typeof v === 'string') return this.string(v);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        let x = this.value(item);
        if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
          const text = JSON.stringify(x);
          if (text.length >= VALUE_MIN_CHARS) x = VALUE_REF + this.idFor(text).toString(36);
        }
        if (x !== item) (out ??= v.slice())[i] = x;
      }
      return out ?? v;
    }
    let out: Record<string, unknown> | undefined;
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = this.value(o[k]);
      if (isMarked(k)) {
        out ??= { ...o };
        delete out[k];
        out[ESC + k] = x;
      } else if (x !== o[k]) (out ??= { ...o })[k] = x;
    }
    return out ?? v;
  }

  private string(s: string): string {
    if (s.length < BLOB_MIN_CHARS) return isMarked(s) ? ESC + s : s;
    const c = s.charCodeAt(0);
    if (s.length >= CANONICAL_MIN_CHARS && (c === 123 /* { */ || c === 91 /* [ */)) {
      const structured = this.canonicalJson(s);
      if (structured !== undefined) return JSON_REF + structured;
    }
    return REF + this.idFor(s).toString(36);
  }

  /** Encoded JSON text when `s` is canonical JSON holding something worth sharing. */
  private canonicalJson(s: string): string | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s);
    } catch {
      return undefined;
    }
    if (JSON.stringify(parsed) !== s) return undefined;
    const encoded = this.value(parsed);
    return encoded === parsed ? undefined : JSON.stringify(encoded);
  }

  private idFor(s: string): number {
    const seen = this.recent.get(s) ?? this.pendingRecent.get(s);
    if (seen !== undefined) return seen;
    const id = this.idByHash(s);
    this.pendingRecent.set(s, id);
    return id;
  }

  private idByHash(s: string): number {
    const key = hashOf(s);
    let id = this.pending.get(key) ?? this.known.get(key);
    if (id !== undefined) return id;
    id = this.insert.get(key, s) as number;
    this.pending.set(key, id);
    return id;
  }

  /** The transaction committed: its blobs may be reused by later ones. */
  committed(): void {
    for (const [k, id] of this.pending) this.known.set(k, id);
    this.pending.clear();
    if (this.recent.size + this.pendingRecent.size > RECENT_STRINGS) this.recent = new Map();
    for (const [k, id] of this.pendingRecent) this.recent.set(k, id);
    this.pendingRecent.clear();
  }

  /** The transaction rolled back: forget its blobs. */
  rolledBack(): void {
    this.pending.clear();
    this.pendingRecent.clear();
  }
}

/** Read side: turns stored JSON text back into the values that were written. */
export class BlobReader {
  private readonly get: Database.Statement;
  /** Recently read bodies (system prompts and shared documents are read again and again). */
  private readonly cache = new LruMap<number, string>(4096);

  constructor(db: Database.Database) {
    this.get = db.prepare('SELECT body FROM blobs WHERE id = ?').pluck();
  }

  /** Parses a column's JSON text, resolving references; `fallback` when NULL. */
  json<T>(text: string | null, fallback: T): T {
    if (text === null || text === undefined) return fallback;
    const v = JSON.parse(text) as unknown;
    return (MARKED_TEXT.test(text) ? this.value(v) : v) as T;
  }

  private value(v: unknown): unknown {
    if (typeof v === 'string') return isMarked(v) ? this.string(v) : v;
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = this.value(v[i]);
      return v;
    }
    const o = v as Record<string, unknown>;
    let marked = false;
    for (const k in o) {
      if (isMarked(k)) marked = true;
      o[k] = this.value(o[k]);
    }
    if (!marked) return o;
    // Put groups back in place and unescape keys, keeping the key order.
    const out: Record<string, unknown> = {};
    for (const k in o) {
      const c = k.charCodeAt(0);
      if (c === LAST) for (const entry of o[k] as Array<Record<string, unknown>>) Object.assign(out, entry);
      else if (c === FIRST + 2) out[k.slice(1)] = o[k];
      else out[k] = o[k];
    }
    return out;
  }

  private string(s: string): unknown {
    const c = s.charCodeAt(0) - FIRST;
    if (c === 2) return s.slice(1);
    if (c === 3) return this.value(JSON.parse(this.body(parseInt(s.slice(1), 36))));
    if (c === 1) return JSON.stringify(this.value(JSON.parse(s.slice(1))));
    return this.body(parseInt(s.slice(1), 36));
  }

  private body(id: number): string {
    let body = this.cache.get(id);
    if (body === undefined) {
      body = this.get.get(id) as string | undefined;
      if (body === undefined) throw new Error(`blob ${id} is missing`);
      if (body.length < 64 * 1024) this.cache.set(id, body);
    }
    return body;
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
  db.function('loupe_span_json', { deterministic: true }, (text: unknown) => {
    if (typeof text !== 'string' || !MARKED_TEXT.test(text)) return text;
    if (!reader) throw new Error('span input/output filters need a file-backed database');
    return JSON.stringify(reader.json(text, null));
  });
  return side;
}
