// Chunk packs: chunks compressed together, since one chunk alone barely compresses (1.45x) and
// costs a deflate call each, while 128K characters of them compressed 5x.
//
// A write transaction gives its new chunks ids above every stored one and stores them at its end,
// so they are durable with the spans that refer to them. While there is a pack's worth (rows that
// earlier transactions committed first, then its own new chunks), it deflates them into packs and
// deletes those rows; the rest of its new chunks become rows, to be packed by a later one. Under
// load a group's new chunks go straight into packs, never written as rows at all; when writes are
// few, rows gather until there is enough. (On libuv's thread pool the deflate waited seconds for
// its callback under load, and packing fell behind.) Readers look for a chunk's row first, then
// for the pack whose id range holds it: either way they find it, since a pack and the deletion of
// its rows commit together. A pack holds every id of its range (it is cut where ids skip, as
// another process's chunks may sit between ours), so ranges never overlap.
import type Database from 'better-sqlite3';
import type { TxParticipant } from './participant.js';
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

/** Most packs of earlier rows made in one transaction (each ~2 ms of CPU here), so a backlog drains over several. */
const BACKLOG_PACKS_PER_TRANSACTION = 8;

/** The id for the next new chunk: above every chunk stored, as a row or in a pack. */
export function nextChunkId(db: Database.Database): () => number {
  const maxRow = db.prepare('SELECT max(id) FROM chunks').pluck();
  const maxPacked = db.prepare('SELECT last_id FROM chunk_packs ORDER BY first_id DESC LIMIT 1').pluck();
  return () => Math.max((maxRow.get() as number | null) ?? 0, (maxPacked.get() as number | undefined) ?? 0) + 1;
}

/**
 * Writer side: stores a transaction's new chunks inside the transaction under way (no commit nor
 * fsync of its own; a rollback undoes the packs with the rest), packing what it can.
 */
export class ChunkPacker implements TxParticipant {
  private readonly insertPack: Database.Statement;
  private readonly insertRow: Database.Statement;
  private readonly removeRange: Database.Statement;
  private readonly lastPacked: Database.Statement;
  private readonly rowsAfter: Database.Statement;
  /** Committed rows not yet packed, in id order, with their texts (read back from SQL only at start). */
  private unpacked: ChunkRow[];
  /** How many of `unpacked` the transaction under way packed, and which of its new chunks it left as rows. */
  private packedNow = 0;
  private rowsNow: ChunkRow[] = [];
  /** The packs plan() made; `lastOld`: the last committed row among their chunks, deleted with them. */
  private packs: Array<{ first: number; last: number; ids: Buffer; body: Buffer; lastOld?: number }> = [];

  constructor(db: Database.Database, private readonly packChars = PACK_CHARS) {
    this.insertPack = db.prepare('INSERT INTO chunk_packs (first_id, last_id, ids, body) VALUES (?, ?, ?, ?)');
    this.insertRow = db.prepare('INSERT INTO chunks (id, body) VALUES (?, ?)');
    this.removeRange = db.prepare('DELETE FROM chunks WHERE id >= ? AND id <= ?');
    this.lastPacked = db.prepare('SELECT last_id FROM chunk_packs ORDER BY first_id DESC LIMIT 1').pluck();
    this.rowsAfter = db.prepare('SELECT id, body FROM chunks WHERE id > ? ORDER BY id');
    this.unpacked = this.readUnpacked();
  }

  /** Rows from before packs existed stay rows; rows committed after the last pack are packed. */
  private readUnpacked(): ChunkRow[] {
    const last = this.lastPacked.get() as number | undefined;
    return last === undefined ? [] : (this.rowsAfter.all(last) as ChunkRow[]);
  }

  /** Another writer on the file stored chunks: what is left unpacked is read again. */
  resync(): void {
    this.unpacked = this.readUnpacked();
  }

  /**
   * A transaction's new chunks (ids ascending, above every stored one), planned: packed after the
   * committed rows while a pack's worth remains (deflated here), the rest to be inserted as rows.
   * Reads nothing, so it may run before the transaction; beforeCommit() stores the plan inside it.
   */
  plan(fresh: ChunkRow[]): void {
    const all = this.unpacked.length === 0 ? fresh : this.unpacked.concat(fresh);
    const old = this.unpacked.length;
    let left = 0;
    for (const c of all) left += c.body.length;
    let at = 0;
    let backlogPacks = 0;
    this.packs = [];
    while (this.packChars > 0 && left >= this.packChars && (at >= old || backlogPacks < BACKLOG_PACKS_PER_TRANSACTION)) {
      if (at < old) backlogPacks++;
      const end = this.packOne(all, at);
      for (let i = at; i < end; i++) left -= all[i].body.length;
      at = end;
    }
    this.packedNow = Math.min(at, old);
    this.rowsNow = fresh.slice(Math.max(at - old, 0));
  }

  /** A transaction's chunks start: no plan yet. */
  begin(): void {
    this.packedNow = 0;
    this.rowsNow = [];
    this.packs = [];
  }

  /** Inside the write transaction: the packs and rows plan() made. */
  beforeCommit(): void {
    for (const p of this.packs) {
      this.insertPack.run(p.first, p.last, p.ids, p.body);
      // Committed rows among them are deleted; the transaction's own never were rows.
      if (p.lastOld !== undefined) this.removeRange.run(p.first, p.lastOld);
    }
    for (const c of this.rowsNow) this.insertRow.run(c.id, c.body);
  }

  /** The transaction committed: its packed rows are gone, its new rows wait for a pack. */
  committed(): void {
    // With packing off, rows are never packed: nothing to remember.
    if (this.packChars > 0) this.unpacked = this.unpacked.slice(this.packedNow).concat(this.rowsNow);
    this.packedNow = 0;
    this.rowsNow = [];
    this.packs = [];
  }

  rolledBack(): void {
    this.packedNow = 0;
    this.rowsNow = [];
    this.packs = [];
  }

  /** Packs `all[at…]` up to a pack's worth, or up to where ids skip; returns where it stopped. */
  private packOne(all: ChunkRow[], at: number): number {
    let end = at;
    let chars = 0;
    while (end < all.length && chars < this.packChars && (end === at || all[end].id === all[end - 1].id + 1)) chars += all[end++].body.length;
    const first = all[at].id;
    const last = all[end - 1].id;
    const rows = all.slice(at, end);
    const ids = encodeVarints(rows.flatMap((r) => [r.id - first, r.body.length]));
    const lastOld = Math.min(end, this.unpacked.length) - 1;
    this.packs.push({ first, last, ids, body: deflateRawSync(Buffer.from(rows.map((r) => r.body).join('')), { level: 1 }), lastOld: lastOld >= at ? all[lastOld].id : undefined });
    return end;
  }
}
