// One protocol for whatever takes part in a SQLite write transaction: the hot path's caches and
// rollups (write.ts) and the compactor's chunk writer and span metrics rollup (compactor.ts).
// A participant gathers what the transaction's body tells it (each through its own methods:
// a span merged, a trace touched, a value encoded), then writes it inside the transaction before
// the commit, and learns how the transaction ended.
//
//   begin()           the transaction (or the work for one) starts: forget what an earlier one left
//   …body…            the participant's own methods gather
//   prepare()         optional: the body is done, the transaction not yet begun; work that needs no
//                     lock (the compactor's packs are deflated here, outside the write lock)
//   beforeCommit()    inside the transaction, after the body: write what was gathered
//   committed()       the transaction committed: what it wrote may be relied on (caches, ids)
//   rolledBack()      it rolled back or was given up: forget what it gathered
//
// Exactly one of committed() and rolledBack() follows a begin(); a participant must take a
// begin() after either as the start of a new transaction, and rolledBack() without begin().

export interface TxParticipant {
  begin(): void;
  prepare?(): void;
  beforeCommit(): void;
  committed(): void;
  rolledBack(): void;
}

/** Participants called in one order: the order of the list is the order of their writes at beforeCommit. */
export class Participants implements TxParticipant {
  constructor(private readonly list: readonly TxParticipant[]) {}

  begin(): void {
    for (const p of this.list) p.begin();
  }

  prepare(): void {
    for (const p of this.list) p.prepare?.();
  }

  beforeCommit(): void {
    for (const p of this.list) p.beforeCommit();
  }

  committed(): void {
    for (const p of this.list) p.committed();
  }

  /** Participants must not throw here: it runs as a failed transaction's error is on its way up. */
  rolledBack(): void {
    for (const p of this.list) p.rolledBack();
  }
}
