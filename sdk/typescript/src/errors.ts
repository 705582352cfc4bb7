// The one error the SDK ever hands to the app: from flush()/shutdown() (which reject rather than
// pretend) and to the onError hook. Everything else the SDK catches itself.

export interface DeliveryFailure {
  /** Why, e.g. "401 unauthorized: invalid api key", "dropped: buffer full", "timed out". */
  reason: string;
  count: number;
}

export class LoupeDeliveryError extends Error {
  override readonly name = 'LoupeDeliveryError';
  /** Events that were buffered when flush() was called. */
  readonly total: number;
  /** Events of those the server did not store (refused, dropped, or still unsent at the timeout). */
  readonly undelivered: number;
  readonly failures: DeliveryFailure[];

  constructor(total: number, failures: DeliveryFailure[]) {
    const undelivered = failures.reduce((n, f) => n + f.count, 0);
    const why = failures.map((f) => `${f.reason} (${f.count} ${f.count === 1 ? 'event' : 'events'})`).join('; ');
    super(`Loupe: ${undelivered} of ${total} events were not delivered: ${why}`);
    this.total = total;
    this.undelivered = undelivered;
    this.failures = failures;
  }
}

/** What onError receives: a failed request, dropped events, or an error inside the SDK. */
export class LoupeError extends Error {
  override readonly name = 'LoupeError';
  readonly code: 'dropped' | 'failed' | 'internal';
  readonly count: number;
  constructor(code: 'dropped' | 'failed' | 'internal', message: string, count = 0, cause?: unknown) {
    super(message);
    this.code = code;
    this.count = count;
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}
