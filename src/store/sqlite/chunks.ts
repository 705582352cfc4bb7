// How SQLite stores a span's JSON columns (input, output, attributes, events): every distinct
// long string once, in `chunks`, by content. An agent resends its whole conversation on every LLM
// call, and OpenInference repeats each message in the flattened attributes, in input.value and in
// the parsed input; RAG spans repeat the same documents; system prompts repeat everywhere.
//
// Encoding a value:
// - each string of at least LONG_STRING characters becomes a reference to its chunk; a string
//   that looks like JSON (input.value: the whole request, growing by a message per call) is cut
//   into pieces at `,"` (where JSON's next key or string element starts), each piece a chunk,
//   so a conversation that only grew at its end keeps its pieces;
// - what remains (the skeleton: keys, short values, references) is JSON text, stored inline when
//   very short; up to SPLIT_SKELETON it is a chunk of its own, so that packing deflates it with
//   its neighbours (chunk-packs.ts: the keys, scope and session ids that every span repeats);
//   longer, it is cut the same way into deduped chunks, so the flattened message keys an agent
//   resends are shared too.
// Reading joins chunks and puts strings back: byte-for-byte the JSON that was written.
//
// The column holds a BLOB: a format byte, then the inline skeleton (UTF-8) or its chunk ids as
// zigzag varints of the difference from the previous id. Text columns are values written before
// chunks existed (blobs.ts reads them). Inside a skeleton, a string's first character says what
// it is, taken from Unicode's private use area (JSON.stringify leaves it as 3 bytes):
//   E004<base36 id>            the string in chunk id
//   E005<base36 id>,<id>,…     the string that is these chunks joined
//   E002<text>                 a literal string or key that itself began with U+E000…U+E005
// A key of LONG_KEY characters or more is also a chunk, named by an E004 reference.
//
// The text → id lookup is a Map of recent chunk texts in memory (warmed from the newest chunks at
// start), never a SQL index: a unique index on random keys dirties a random page per new chunk,
// which is what makes inserts slow down as the table grows; and no hash either, which on this
// hardware cost more than the insert (SHA-256 of a string: ~7 µs per KB). A chunk seen again
// after it left memory is stored a second time: harmless, ids are what rows hold.
import type Database from 'better-sqlite3';
import type { TxParticipant } from './participant.js';
import { BodyCache, restoreTree, type MarkedTree } from './json-tree.js';
import { decodeVarints, encodeVarints, unzigzag, zigzag } from './varint.js';
import { ChunkPacker, PackReader, newestChunks, nextChunkId } from './chunk-packs.js';

/** Strings at least this long are stored once, by content. */
export const LONG_STRING = 64;
/** JSON-looking strings at least this long are stored as pieces. */
export const SPLIT_STRING = 256;
/**
 * Keys at least this long are stored once too: OpenInference's flattened keys
 * (`llm.input_messages.3.message.contents.0.message_content.text`) were half of a skeleton.
 */
const LONG_KEY = 16;
/** Skeletons shorter than this stay in the row. */
const INLINE_SKELETON = 48;
/**
 * Skeletons at least this long are cut into pieces and deduped like long JSON strings (a
 * resent conversation's flattened keys); shorter ones are a chunk of their own, never looked up:
 * they hold ids and times that make each one unique, and what they share with their neighbours
 * (keys, session ids, the scope) is what deflate takes out when their pack is made.
 */
const SPLIT_SKELETON = 512;
const MIN_PIECE = 96;
const MAX_PIECE = 4096;

const INLINE = 1;
const CHUNKED = 2;
/**
 * The hot path's form (write.ts): `\x03` and the value's JSON text, as TEXT, until the compactor
 * (compactor.ts) encodes it as chunks. The mark keeps it apart from the older text format, whose
 * private-use characters are references (blobs.ts): this text's are the client's.
 */
const RAW = '\x03';

/** The column value for `v` in the hot path's form: NULL when undefined ("not said"). */
export function rawJson(v: unknown): string | null {
  return v === undefined ? null : RAW + JSON.stringify(v);
}

/** Whether a stored column value (as read through chunkedColumn) is in the hot path's form. */
export const isRawText = (stored: string | Uint8Array): stored is string => typeof stored === 'string' && stored.charCodeAt(0) === 3;

const ESC = '\ue002';
const REF = '\ue004';
const PIECES = '\ue005';
const FIRST = 0xe000;
const LAST = 0xe005;
const MARKED = /[\ue000-\ue005]/;
const isMarked = (s: string) => {
  const c = s.charCodeAt(0);
  return c >= FIRST && c <= LAST;
};

/** Chunk texts remembered with their id, in characters, over both generations (see committed()). */
const RECENT_CHARS = 16 * 1024 * 1024;

/**
 * Where each piece of `text` ends (exclusive offsets; the last is text.length): just before the
 * first `,"` (or `,\"`, the same inside a JSON string) at least MIN_PIECE after the piece's
 * start, or at MAX_PIECE when there is none. indexOf is native, several times faster here than a
 * rolling hash in JavaScript; where two texts differ, the cuts fall back into step at the next
 * long value.
 */
export function pieceEnds(text: string): number[] {
  const ends: number[] = [];
  const n = text.length;
  let start = 0;
  let plain = 0;
  let escaped = 0;
  while (n - start >= 2 * MIN_PIECE) {
    const from = start + MIN_PIECE;
    if (plain !== -1 && plain < from) plain = text.indexOf(',"', from);
    if (escaped !== -1 && escaped < from) escaped = text.indexOf(',\\"', from);
    let cut = plain === -1 ? escaped : escaped === -1 ? plain : Math.min(plain, escaped);
    if (cut === -1 || cut - start > MAX_PIECE) cut = start + MAX_PIECE;
    if (n - cut < MIN_PIECE) break;
    ends.push(cut);
    start = cut;
  }
  ends.push(n);
  return ends;
}

/**
 * Write side: encodes column values inside the caller's transaction, which calls begin() first
 * and end() last; new chunks are numbered as they are met and stored by end() (chunk-packs.ts).
 */
export class ChunkWriter implements TxParticipant {
  private readonly nextId: () => number;
  private readonly newestPack: Database.Statement;
  /** The id of the transaction's first new chunk; the rest follow without gaps. */
  private firstId = 0;
  /**
   * Committed chunks, text → id, in two generations: when the current one holds half of
   * RECENT_CHARS it becomes the previous one (and the previous is forgotten); a chunk met in the
   * previous generation moves back into the current one. So what keeps repeating (system
   * prompts, shared documents) stays known however much new text goes by: an LRU, roughly,
   * without reordering a Map on every hit.
   */
  private recent = new Map<string, number>();
  private previous = new Map<string, number>();
  private recentChars = 0;
  /** Chunks of the transaction under way; kept only once it commits. */
  private pending = new Map<string, number>();
  /** The transaction's new chunks, ids ascending from firstId. */
  private fresh: Array<{ id: number; body: string }> = [];
  private readonly packer: ChunkPacker;

  /** `packChars`: see ChunkPacker (tests make it small). */
  constructor(db: Database.Database, packChars?: number) {
    this.nextId = nextChunkId(db);
    this.newestPack = db.prepare('SELECT first_id FROM chunk_packs ORDER BY first_id DESC LIMIT 1').pluck();
    this.packer = new ChunkPacker(db, packChars);
    // The newest chunks, for the dedupe to survive a restart (what a new span is likely to repeat).
    const warm = newestChunks(db, RECENT_CHARS / 2);
    for (let i = warm.length - 1; i >= 0; i--) {
      this.recent.set(warm[i].body, warm[i].id);
      this.recentChars += warm[i].body.length;
    }
  }

  /** The column value for `v`: NULL when undefined ("not said"). */
  json(v: unknown): Buffer | null {
    if (v === undefined) return null;
    const skeleton = JSON.stringify(this.value(v));
    if (skeleton.length < INLINE_SKELETON) {
      const out = Buffer.allocUnsafe(1 + Buffer.byteLength(skeleton));
      out[0] = INLINE;
      out.write(skeleton, 1);
      return out;
    }
    if (skeleton.length < SPLIT_SKELETON) return encodeIds([this.add(skeleton)]);
    const ids: number[] = [];
    let start = 0;
    for (const end of pieceEnds(skeleton)) {
      ids.push(this.idFor(skeleton.slice(start, end)));
      start = end;
    }
    return encodeIds(ids);
  }

  /** `v` with long strings replaced by references; objects are copied only where something changed. */
  private value(v: unknown): unknown {
    if (typeof v === 'string') {
      if (v.length >= LONG_STRING) return this.string(v);
      return isMarked(v) ? ESC + v : v;
    }
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = this.value(v[i]);
        if (x !== v[i]) (out ??= v.slice())[i] = x;
      }
      return out ?? v;
    }
    const o = v as Record<string, unknown>;
    for (const k in o) {
      if (k.length >= LONG_KEY || isMarked(k)) return this.rekeyed(o);
    }
    let out: Record<string, unknown> | undefined;
    for (const k in o) {
      const x = this.value(o[k]);
      if (x !== o[k]) (out ??= { ...o })[k] = x;
    }
    return out ?? v;
  }

  /** A copy of `o` with its long keys as references and its marked keys escaped, in key order. */
  private rekeyed(o: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k in o) {
      const key = k.length >= LONG_KEY ? REF + this.idFor(k).toString(36) : isMarked(k) ? ESC + k : k;
      out[key] = this.value(o[k]);
    }
    return out;
  }

  private string(s: string): string {
    const c = s.charCodeAt(0);
    if (s.length < SPLIT_STRING || (c !== 123 /* { */ && c !== 91 /* [ */)) return REF + this.idFor(s).toString(36);
    let ref = PIECES;
    let start = 0;
    for (const end of pieceEnds(s)) {
      ref += (start === 0 ? '' : ',') + this.idFor(s.slice(start, end)).toString(36);
      start = end;
    }
    return ref;
  }

  private idFor(chunk: string): number {
    let id = this.recent.get(chunk) ?? this.pending.get(chunk);
    if (id === undefined) {
      id = this.previous.get(chunk);
      // A piece is a slice of its whole text and would keep all of it alive as a Map key (a new
      // last piece of a 4 KB input.value held the 4 KB): the key is made a copy of its own.
      const own = (' ' + chunk).slice(1);
      if (id === undefined) id = this.add(own);
      this.pending.set(own, id);
    }
    this.marking?.(id);
    return id;
  }

  /**
   * The write barrier of a garbage collection under way (chunk-gc.ts): told every chunk id a
   * column is given, so a chunk reused while the cycle runs is kept.
   */
  marking?: (id: number) => void;

  /** Forgets the committed chunks `dead` names (a collection frees them): they must not be reused. */
  forget(dead: (id: number) => boolean): void {
    for (const [text, id] of this.recent) {
      if (!dead(id)) continue;
      this.recent.delete(text);
      this.recentChars -= text.length;
    }
    for (const [text, id] of this.previous) if (dead(id)) this.previous.delete(text);
  }

  /**
   * A new chunk: numbered now, stored by end(). Called directly for one not expected to repeat,
   * which stays out of the dedupe Maps.
   */
  private add(body: string): number {
    const id = this.firstId + this.fresh.length;
    this.fresh.push({ id, body });
    return id;
  }

  /** A new chunk of the transaction under way, before end() has stored it. */
  unstored(id: number): string | undefined {
    return this.fresh[id - this.firstId]?.body;
  }

  /** At the start of a write transaction: new chunks are numbered above every stored one. */
  begin(): void {
    this.firstId = this.nextId();
    this.fresh = [];
    this.packer.begin();
  }

  /**
   * The new chunks' packs, made ready (deflated) for beforeCommit(): outside the write transaction when
   * the caller checks, inside it, that no other writer stored chunks meanwhile (compactor.ts).
   */
  prepare(): void {
    this.packer.plan(this.fresh);
  }

  /** Inside the write transaction: stores the new chunks as prepare() planned them. */
  beforeCommit(): void {
    this.packer.beforeCommit();
  }

  /**
   * What the stored chunks look like now (the next id, the newest pack): when it differs from what
   * it was when a transaction's chunks were prepared, another writer stored chunks meanwhile.
   */
  storedState(): string {
    return `${this.nextId()}/${this.newestPack.get() as number | undefined}`;
  }

  /** Another writer stored chunks: the packer reads the unpacked tail again. */
  resync(): void {
    this.packer.resync();
  }

  /** The transaction committed: its chunks may be reused by later ones. */
  committed(): void {
    if (this.recentChars > RECENT_CHARS / 2) {
      this.previous = this.recent;
      this.recent = new Map();
      this.recentChars = 0;
    }
    for (const [k, id] of this.pending) {
      this.recent.set(k, id);
      this.recentChars += k.length;
    }
    this.pending.clear();
    this.packer.committed();
    this.fresh = [];
  }

  /** The transaction rolled back: forget its chunks. */
  rolledBack(): void {
    this.pending.clear();
    this.fresh = [];
    this.packer.rolledBack();
  }
}

/** The column value for a chunk list: the format byte, then zigzag varints of id differences. */
function encodeIds(ids: number[]): Buffer {
  return encodeVarints(ids.map((id, i) => zigzag(id - (i === 0 ? 0 : ids[i - 1]))), [CHUNKED]);
}

function decodeIds(buf: Uint8Array): number[] {
  let prev = 0;
  return decodeVarints(buf, 1).map((z) => (prev += unzigzag(z)));
}

/**
 * What a stored column refers to, for the garbage collection: its chunk ids (the skeleton's
 * pieces), its inline skeleton as text, or undefined for text of the format before chunks.
 * `stored` as read through chunkedColumn.
 */
export function chunkIdsOf(stored: string | Uint8Array): number[] | string | undefined {
  if (typeof stored === 'string') return isInlineText(stored) ? stored.slice(1) : undefined;
  if (stored[0] === INLINE) return Buffer.from(stored.buffer, stored.byteOffset + 1, stored.length - 1).toString('utf8');
  return stored[0] === CHUNKED ? decodeIds(stored) : undefined;
}

const REFS = /[\ue004\ue005]([0-9a-z,]+)/g;

/**
 * The chunk ids a skeleton's references name (E004 and E005 strings and keys). A literal that
 * merely contains the marks may name more: the collection keeps those, which is the safe side.
 */
export function skeletonRefs(skeleton: string): number[] {
  if (!MARKED.test(skeleton)) return [];
  const ids: number[] = [];
  for (const m of skeleton.matchAll(REFS)) {
    for (const part of m[1].split(',')) {
      const id = parseInt(part, 36);
      if (Number.isSafeInteger(id)) ids.push(id);
    }
  }
  return ids;
}

/**
 * Selects a chunk-format column with its inline values as text (`\x01` and the skeleton), which
 * better-sqlite3 hands over as a string: each Buffer it makes costs ~1.5 µs, against ~0.2 µs for
 * a string, and most span columns are inline. Chunk lists stay bytes (BLOB sorts after TEXT, and
 * an inline value's first byte is below x'02'); text of the older format passes unchanged.
 */
export function chunkedColumn(col: string, as: string): string {
  return `CASE WHEN ${col} >= x'02' THEN ${col} ELSE CAST(${col} AS TEXT) END AS ${as}`;
}

/** Whether a value read through chunkedColumn is an inline chunk-format value. */
export const isInlineText = (stored: string): boolean => stored.charCodeAt(0) === INLINE;

/** Read side: a chunk-encoded column back to its JSON text or value. */
export class ChunkReader {
  private readonly bodies: BodyCache;

  /** `unstored`: the writer's new chunks not stored yet, for the write path's own reads. */
  constructor(db: Database.Database, unstored?: (id: number) => string | undefined) {
    const packs = new PackReader(db);
    const row = db.prepare('SELECT body FROM chunks WHERE id = ?').pluck();
    // A pack already open answers without SQL; a row is the next cheapest; else the pack is opened.
    this.bodies = new BodyCache((id) => unstored?.(id) ?? packs.opened(id) ?? (row.get(id) as string | undefined) ?? packs.read(id), 'chunk', 16_384, 32 * 1024 * 1024);
  }

  /** `stored`: the column's bytes, or its inline form as text (see chunkedColumn). */
  value(stored: Uint8Array | string): unknown {
    if (isRawText(stored)) return JSON.parse(stored.slice(1)) as unknown;
    const skeleton = this.skeleton(stored);
    const v = JSON.parse(skeleton) as unknown;
    return MARKED.test(skeleton) ? this.restore(v) : v;
  }

  /** The JSON text that was written. */
  text(stored: Uint8Array | string): string {
    if (isRawText(stored)) return stored.slice(1);
    const skeleton = this.skeleton(stored);
    return MARKED.test(skeleton) ? JSON.stringify(this.restore(JSON.parse(skeleton))) : skeleton;
  }

  private skeleton(buf: Uint8Array | string): string {
    if (typeof buf === 'string') return buf.slice(1);
    if (buf[0] === INLINE) return Buffer.from(buf.buffer, buf.byteOffset + 1, buf.length - 1).toString('utf8');
    if (buf[0] !== CHUNKED) throw new Error(`unknown span column format ${buf[0]}`);
    let out = '';
    for (const id of decodeIds(buf)) out += this.body(id);
    return out;
  }

  private restore(v: unknown): unknown {
    return restoreTree(v, this.tree);
  }

  private readonly tree: MarkedTree = {
    isMarked,
    string: (s) => this.string(s),
    rekey: (o) => {
      const out: Record<string, unknown> = {};
      for (const k in o) out[isMarked(k) ? this.string(k) : k] = o[k];
      return out;
    },
  };

  private string(s: string): string {
    const c = s.charCodeAt(0);
    if (c === 0xe004) return this.body(parseInt(s.slice(1), 36));
    if (c === 0xe005) return s.slice(1).split(',').map((id) => this.body(parseInt(id, 36))).join('');
    return s.slice(1);
  }

  private body(id: number): string {
    return this.bodies.get(id);
  }
}
