// The buffer of events waiting to be sent: a FIFO with O(1) push and shift (Array#shift moves
// every element; at 10,000 queued events that is the whole hot path's budget).

export interface Queued {
  /** Enqueue order; flush() waits for every seq up to the one current when it was called. */
  seq: number;
  type: 0 | 1 | 2 | 3; // trace, span, score, OTLP span: an int compares faster than a string in the sender
  /** The object to serialise at send time (a Trace, a Span, or a wire score). */
  item: Serializable;
  bytes: number;
}

export interface Serializable {
  toWire(): object;
}

export class Fifo {
  private items: Array<Queued | undefined> = [];
  private head = 0;
  length = 0;
  bytes = 0;

  push(q: Queued): void {
    this.items.push(q);
    this.length++;
    this.bytes += q.bytes;
  }

  peek(): Queued | undefined {
    return this.items[this.head];
  }

  shift(): Queued | undefined {
    if (!this.length) return undefined;
    const q = this.items[this.head];
    this.items[this.head++] = undefined;
    this.length--;
    this.bytes -= q!.bytes;
    // Compact once the dead prefix dominates, so memory follows what is queued.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return q;
  }

  *[Symbol.iterator](): IterableIterator<Queued> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}
