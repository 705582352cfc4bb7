// Garbage collection of span-body chunks (chunks.ts, chunk-packs.ts). Chunks are shared by
// content between spans, so deleting a trace cannot delete its chunks: a system prompt, a
// document or a message may be held by spans that stay. A cycle finds what no span holds any more
// and frees it, so that deleted content (a user's data after a privacy request, traces past
// retention) leaves the file, not only the tables that point into it.
//
// Mark and sweep, in slices on the write connection between write groups (the write thread
// serves one call at a time), so neither a scan of every span nor a rewrite of every pack ever
// holds the write lock for long:
// - begin: the ceiling is the newest pack's first id (or the largest id, with no pack): only ids
//   below it are ever freed. So the packer's unpacked tail and the newest ids stay, and the next
//   chunk id (one above the largest stored) never goes back: an id is never given out twice, and
//   a reader's cached body for an id stays that id's body.
// - mark: every span's input, output, attributes and events, by rowid; a chunk list marks its
//   chunks, and the skeleton they join (or an inline one) marks the chunks its references name.
//   Meanwhile the writer marks every chunk it reuses (the write barrier, ChunkWriter.marking): a
//   span written or merged during the cycle is held whether the scan passed its row or not.
// - sweep: the writer first forgets the unmarked ids below the ceiling (its text → id Map would
//   otherwise hand a freed id to the next span that repeats the text); then, slice by slice, each
//   pack below the ceiling is kept, rewritten without its free chunks (its id range unchanged, so
//   ranges never overlap) or deleted, and free chunk rows below the ceiling are deleted.
// Marks are conservative: a literal string that merely looks like a reference, a span deleted
// after the scan passed it, or a write rolled back keeps a chunk one cycle longer, never less.
import type Database from 'better-sqlite3';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { chunkIdsOf, chunkedColumn, skeletonRefs } from './chunks.js';
import { PackReader } from './chunk-packs.js';
import { decodeVarints, encodeVarints } from './varint.js';
import type { GarbageCounts } from '../store.js';


/** Where a cycle is: the caller repeats step() until it says done. */
export type GcProgress = { done: false; phase: 'mark' | 'sweep' } | { done: true; counts: GarbageCounts };

/** Rows or packs per look at the clock. */
const STEP_ROWS = 256;
const STEP_PACKS = 4;

interface PackRow {
  first_id: number;
  last_id: number;
  ids: Buffer;
  body: Buffer;
}

/** One set bit per chunk id below the ceiling. */
class Marks {
  private readonly bits: Uint8Array;
  constructor(readonly ceiling: number) {
    this.bits = new Uint8Array((ceiling >> 3) + 1);
  }
  mark(id: number): void {
    if (id > 0 && id < this.ceiling) this.bits[id >> 3] |= 1 << (id & 7);
  }
  has(id: number): boolean {
    return (this.bits[id >> 3] & (1 << (id & 7))) !== 0;
  }
  /** Whether `id` is freed by this cycle: below the ceiling and unmarked. */
  free(id: number): boolean {
    return id < this.ceiling && !this.has(id);
  }
}

/** A cycle over one connection; `forget` is the writer's: drop these ids from its dedupe Map. */
export class ChunkCollector {
  private readonly counts: GarbageCounts = { spansScanned: 0, chunksFreed: 0, charsFreed: 0, packsRewritten: 0, packsDeleted: 0 };
  private phase: 'mark' | 'sweep' = 'mark';
  private spanCursor = 0;
  private packCursor = -1;
  private rowCursor = 0;
  private readonly marks: Marks;
  private readonly spans: Database.Statement;
  private readonly rowBody: Database.Statement;
  private readonly packs: PackReader;
  private readonly nextPacks: Database.Statement;
  private readonly nextRows: Database.Statement;
  private readonly deleteRow: Database.Statement;
  private readonly deletePack: Database.Statement;
  private readonly rewritePack: Database.Statement;

  constructor(private readonly db: Database.Database, private readonly writer: { forget(dead: (id: number) => boolean): void }) {
    const newestPack = db.prepare('SELECT first_id FROM chunk_packs ORDER BY first_id DESC LIMIT 1').pluck().get() as number | undefined;
    const maxRow = (db.prepare('SELECT max(id) FROM chunks').pluck().get() as number | null) ?? 0;
    this.marks = new Marks(newestPack ?? maxRow);
    const cols = ['input', 'output', 'attributes', 'events'].map((c) => chunkedColumn(c, c)).join(', ');
    this.spans = db.prepare(`SELECT rowid, ${cols} FROM spans WHERE rowid > ? ORDER BY rowid LIMIT ${STEP_ROWS}`).raw();
    this.rowBody = db.prepare('SELECT body FROM chunks WHERE id = ?').pluck();
    this.packs = new PackReader(db);
    this.nextPacks = db.prepare(`SELECT first_id, last_id, ids, body FROM chunk_packs WHERE first_id > ? AND first_id < ? ORDER BY first_id LIMIT ${STEP_PACKS}`);
    this.nextRows = db.prepare(`SELECT id, length(body) AS chars FROM chunks WHERE id > ? AND id < ? ORDER BY id LIMIT ${STEP_ROWS}`);
    this.deleteRow = db.prepare('DELETE FROM chunks WHERE id = ?');
    this.deletePack = db.prepare('DELETE FROM chunk_packs WHERE first_id = ?');
    this.rewritePack = db.prepare('UPDATE chunk_packs SET ids = ?, body = ? WHERE first_id = ?');
  }

  /** The write barrier: the writer calls it with every chunk id it reuses during the cycle. */
  mark(id: number): void {
    this.marks.mark(id);
  }

  /** Works for about `budgetMs`, then says where the cycle is. */
  step(budgetMs: number): GcProgress {
    const until = performance.now() + budgetMs;
    // At least one unit of work per step, however small the budget.
    if (this.phase === 'mark') {
      let more: boolean;
      do more = this.markSome();
      while (more && performance.now() < until);
      if (!more) {
        this.phase = 'sweep';
        // Before any chunk goes: the writer must not hand out a freed id again.
        this.writer.forget((id) => this.marks.free(id));
      }
      return { done: false, phase: this.phase };
    }
    const more = this.db.transaction(() => {
      let left: boolean;
      do left = this.sweepSomePacks() || this.sweepSomeRows();
      while (left && performance.now() < until);
      return left;
    }).immediate();
    return more ? { done: false, phase: 'sweep' } : { done: true, counts: { ...this.counts } };
  }

  /** Marks what the next rows of spans hold; false once every span was seen. */
  private markSome(): boolean {
    const rows = this.spans.all(this.spanCursor) as Array<[number, ...Array<string | Buffer | null>]>;
    for (const [rowid, ...values] of rows) {
      this.spanCursor = rowid;
      this.counts.spansScanned++;
      for (const v of values) if (v !== null) this.markValue(v);
    }
    return rows.length === STEP_ROWS;
  }

  private markValue(stored: string | Buffer): void {
    const ids = chunkIdsOf(stored);
    // Text of the format before chunks (blobs.ts) holds no chunk.
    if (ids === undefined) return;
    let skeleton: string;
    if (typeof ids === 'string') skeleton = ids;
    else {
      skeleton = '';
      for (const id of ids) {
        this.marks.mark(id);
        skeleton += this.body(id);
      }
    }
    for (const id of skeletonRefs(skeleton)) this.marks.mark(id);
  }

  private body(id: number): string {
    const body = this.packs.opened(id) ?? (this.rowBody.get(id) as string | undefined) ?? this.packs.read(id);
    if (body === undefined) throw new Error(`chunk ${id} is missing`);
    return body;
  }

  /** Rewrites or deletes the next packs below the ceiling; false once past the last. */
  private sweepSomePacks(): boolean {
    if (this.packCursor === Infinity) return false;
    const rows = this.nextPacks.all(this.packCursor, this.marks.ceiling) as PackRow[];
    for (const p of rows) {
      this.packCursor = p.first_id;
      this.sweepPack(p);
    }
    if (rows.length < STEP_PACKS) this.packCursor = Infinity;
    return true;
  }

  private sweepPack(p: PackRow): void {
    const index = decodeVarints(p.ids);
    let free = 0;
    for (let i = 0; i < index.length; i += 2) if (this.marks.free(p.first_id + index[i])) free++;
    if (free === 0) return;
    const text = inflateRawSync(p.body).toString('utf8');
    const keptIndex: number[] = [];
    const kept: string[] = [];
    let at = 0;
    for (let i = 0; i < index.length; i += 2) {
      const body = text.slice(at, at + index[i + 1]);
      at += index[i + 1];
      if (this.marks.free(p.first_id + index[i])) {
        this.counts.chunksFreed++;
        this.counts.charsFreed += body.length;
      } else {
        keptIndex.push(index[i], index[i + 1]);
        kept.push(body);
      }
    }
    if (kept.length === 0) {
      this.deletePack.run(p.first_id);
      this.counts.packsDeleted++;
    } else {
      this.rewritePack.run(encodeVarints(keptIndex), deflateRawSync(Buffer.from(kept.join('')), { level: 1 }), p.first_id);
      this.counts.packsRewritten++;
    }
  }

  /** Deletes the next free chunk rows below the ceiling; false once past the last. */
  private sweepSomeRows(): boolean {
    const rows = this.nextRows.all(this.rowCursor, this.marks.ceiling) as Array<{ id: number; chars: number }>;
    for (const r of rows) {
      this.rowCursor = r.id;
      if (!this.marks.free(r.id)) continue;
      this.deleteRow.run(r.id);
      this.counts.chunksFreed++;
      this.counts.charsFreed += r.chars;
    }
    return rows.length === STEP_ROWS;
  }
}
