// Chunk packs: committed chunks compressed together, since one chunk alone barely compresses
// (1.45x) and costs a deflate call each, while 128K characters of them compressed 5x.
//
// A new chunk is first a row of `chunks`, written in the transaction that needs it, so it is
// durable with the spans that refer to it. Once PACK_CHARS characters of rows have committed, a
// later write transaction deflates them together, inserts the pack and deletes the rows. (On
// libuv's thread pool the deflate waited seconds for its callback under load, and packing fell
// behind.) Readers look for a chunk's row first, then for the pack whose id range holds it:
// either way they find it, since the pack and the deletion commit together.
//
// The row with the highest id is never packed: SQLite gives a new row the highest id plus one,
// and would otherwise give out a packed chunk's id again.
import type Database from 'better-sqlite3';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeVarints, encodeVarints } from './varint.js';

/** Characters of committed chunk rows that make a pack. */
export const PACK_CHARS = 128 * 1024;

interface ChunkRow {
  id: number;
  body: string;
}

interface PackRow {
  first_id: number;
  last_id: number;
  ids: Buffer;
  body: Buffer;
}

/** A pack's chunks: ids ascending, each body the text between its start and the next one's. */
interface OpenPack {
  first: number;
  last: number;
  ids: number[];
  starts: number[];
  text: string;
}

/** Inflates a pack; its index holds (id - first_id, length) pairs, its body their texts joined. */
function open(p: PackRow): OpenPack {
  const text = inflateRawSync(p.body).toString('utf8');
  const index = decodeVarints(p.ids);
  const ids: number[] = [];
  const starts: number[] = [];
  let at = 0;
  for (let i = 0; i < index.length; i += 2) {
    ids.push(p.first_id + index[i]);
    starts.push(at);
    at += index[i + 1];
  }
  starts.push(at);
  return { first: p.first_id, last: p.last_id, ids, starts, text };
}

/**
 * The body of chunk `id` if `p` holds it: a copy, since a slice would keep the whole pack's text
 * alive for as long as any cache holds the body.
 */
function bodyIn(p: OpenPack, id: number): string | undefined {
  let lo = 0;
  let hi = p.ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (p.ids[mid] < id) lo = mid + 1;
    else if (p.ids[mid] > id) hi = mid - 1;
    else return (' ' + p.text.slice(p.starts[mid], p.starts[mid + 1])).slice(1);
  }
  return undefined;
}

function unpack(p: PackRow): ChunkRow[] {
  const o = open(p);
  return o.ids.map((id, i) => ({ id, body: o.text.slice(o.starts[i], o.starts[i + 1]) }));
}

/** Packs kept inflated by a reader: a trace's spans refer to chunks of a few packs, over and over. */
const OPEN_PACKS = 32;

/** Reads chunks that are no longer rows from their packs, keeping the last few packs it opened. */
export class PackReader {
  private readonly find: Database.Statement;
  /** Least recently used first. */
  private readonly packs: OpenPack[] = [];

  constructor(db: Database.Database) {
    this.find = db.prepare('SELECT first_id, last_id, ids, body FROM chunk_packs WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1');
  }

  /** The chunk from a pack already open, without SQL. */
  opened(id: number): string | undefined {
    for (let i = this.packs.length - 1; i >= 0; i--) {
      const p = this.packs[i];
      if (p.first <= id && id <= p.last) {
        if (i !== this.packs.length - 1) this.packs.push(...this.packs.splice(i, 1));
        return bodyIn(p, id);
      }
    }
    return undefined;
  }

  /** The chunk from the pack whose id range holds it, opening that pack. */
  read(id: number): string | undefined {
    const row = this.find.get(id) as PackRow | undefined;
    if (!row || row.last_id < id) return undefined;
    const p = open(row);
    this.packs.push(p);
    if (this.packs.length > OPEN_PACKS) this.packs.shift();
    return bodyIn(p, id);
  }
}

/** The newest chunks, rows and packs merged by id, newest first, until `chars` characters. */
export function newestChunks(db: Database.Database, chars: number): ChunkRow[] {
  const rows = db.prepare('SELECT id, body FROM chunks ORDER BY id DESC').iterate() as IterableIterator<ChunkRow>;
  const packs = db.prepare('SELECT first_id, last_id, ids, body FROM chunk_packs ORDER BY first_id DESC').iterate() as IterableIterator<PackRow>;
  const out: ChunkRow[] = [];
  let row = rows.next();
  let pack = packs.next();
  let total = 0;
  while (total < chars && (!row.done || !pack.done)) {
    if (!pack.done && (row.done || pack.value.last_id > row.value.id)) {
      for (const c of unpack(pack.value).reverse()) {
        out.push(c);
        total += c.body.length;
      }
      pack = packs.next();
    } else if (!row.done) {
      out.push(row.value);
      total += row.value.body.length;
      row = rows.next();
    }
  }
  rows.return?.();
  packs.return?.();
  return out;
}

/** Most packs made in one transaction (each ~2 ms of CPU here), so a backlog drains over several. */
const PACKS_PER_TRANSACTION = 8;

/**
 * Writer side. Packs chunk rows committed by earlier transactions, inside the write transaction
 * under way: no extra commit (nor fsync) of its own, and a rollback undoes the pack with the rest.
 */
export class ChunkPacker {
  private readonly insert: Database.Statement;
  private readonly removeRange: Database.Statement;
  private readonly removeOne: Database.Statement;
  /** Committed rows not yet packed, in id order, with their texts (read back from SQL only at start). */
  private unpacked: ChunkRow[];
  private chars = 0;
  /** How many of `unpacked` the transaction under way packed, for a rollback to put back. */
  private packedNow = 0;

  constructor(db: Database.Database, private readonly packChars = PACK_CHARS) {
    this.insert = db.prepare('INSERT INTO chunk_packs (first_id, last_id, ids, body) VALUES (?, ?, ?, ?)');
    this.removeRange = db.prepare('DELETE FROM chunks WHERE id >= ? AND id <= ?');
    this.removeOne = db.prepare('DELETE FROM chunks WHERE id = ?');
    // Rows from before packs existed stay rows; rows committed after the last pack are packed.
    const lastPacked = db.prepare('SELECT max(last_id) FROM chunk_packs').pluck().get() as number | null;
    this.unpacked = lastPacked === null ? [] : (db.prepare('SELECT id, body FROM chunks WHERE id > ? ORDER BY id').all(lastPacked) as ChunkRow[]);
    for (const r of this.unpacked) this.chars += r.body.length;
  }

  /** In a write transaction: packs what earlier transactions committed, once there is enough. */
  packCommitted(): void {
    this.packedNow = 0;
    for (let n = 0; n < PACKS_PER_TRANSACTION && this.chars >= this.packChars; n++) this.packOne();
  }

  /** A transaction committed these new chunk rows (in id order). */
  committed(rows: ChunkRow[]): void {
    // What this transaction packed is gone from the rows now.
    this.unpacked = this.unpacked.slice(this.packedNow);
    this.packedNow = 0;
    for (const r of rows) {
      this.unpacked.push(r);
      this.chars += r.body.length;
    }
  }

  rolledBack(): void {
    for (let i = 0; i < this.packedNow; i++) this.chars += this.unpacked[i].body.length;
    this.packedNow = 0;
  }

  private packOne(): void {
    // The highest row is left alone (see the top of this file).
    const rows: ChunkRow[] = [];
    let chars = 0;
    for (let i = this.packedNow; i < this.unpacked.length - 1 && chars < this.packChars; i++) {
      rows.push(this.unpacked[i]);
      chars += this.unpacked[i].body.length;
    }
    if (rows.length === 0) {
      this.chars = 0;
      return;
    }
    const first = rows[0].id;
    const last = rows[rows.length - 1].id;
    const ids = encodeVarints(rows.flatMap((r) => [r.id - first, r.body.length]));
    this.insert.run(first, last, ids, deflateRawSync(Buffer.from(rows.map((r) => r.body).join('')), { level: 1 }));
    // Only the rows packed: another process's rows may sit between ours.
    if (last - first + 1 === rows.length) this.removeRange.run(first, last);
    else for (const r of rows) this.removeOne.run(r.id);
    this.packedNow += rows.length;
    this.chars -= chars;
  }
}
