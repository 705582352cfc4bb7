// The bytes of request bodies the server holds at once, bounded (issue 14, item 3). A write holds
// its body, then its decoded batch, until its commit is durable and it is answered; so this bound
// on bodies in flight is the bound on everything unacknowledged writes keep in memory (the write
// queue included), at a few times the bytes (docs/limits.md gives the measured factor). Past it a
// request is refused at once with 503 and Retry-After, before its body is read, instead of
// growing RSS and making every read wait behind the parsing.
import { LoupeError } from '../errors.js';

export class InflightBytes {
  private held = 0;
  /** Refusals since start, for /metrics-like counters and the tests. */
  refused = 0;

  constructor(readonly maxBytes: number) {}

  /**
   * Holds `n` bytes, or throws 503 overloaded. One request is always let in when nothing is held,
   * so a body larger than the bound (but under the body limit) is slow, never impossible.
   */
  take(n: number): void {
    if (n <= 0) return;
    if (this.held > 0 && this.held + n > this.maxBytes) {
      this.refused++;
      const e = new LoupeError('overloaded', `the server holds ${this.held} bytes of requests in flight (at most ${this.maxBytes}); retry later`);
      e.retryAfter = 1;
      throw e;
    }
    this.held += n;
  }

  release(n: number): void {
    if (n > 0) this.held = Math.max(0, this.held - n);
  }

  get bytes(): number {
    return this.held;
  }
}
