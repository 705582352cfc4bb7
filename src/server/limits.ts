// Connection limits: how long a client may take to send its headers and its whole request, how
// long an idle connection is kept, and how many connections are served at once. A client that
// trickles a byte every few seconds is cut off by these, not by the kindness of its peers.
// Defaults < LOUPE_* environment variables < ServerConfig.limits (docs/limits.md).

export interface ConnectionLimits {
  /** From the connection's first byte (or the request's) to the end of its headers. */
  headersTimeoutMs: number;
  /** From the start of a request to its last body byte (HTTP), or to its whole message (gRPC). */
  requestTimeoutMs: number;
  /** An idle keep-alive HTTP connection (or a gRPC connection with no call) is closed after this. */
  keepAliveTimeoutMs: number;
  /** A connection on which nothing moves either way (a stalled upload or download) is closed after this. */
  idleTimeoutMs: number;
  /** HTTP connections open at once; more are closed as they arrive. */
  maxConnections: number;
  /** Request body bytes held at once (HTTP and gRPC together); past it, 503 with Retry-After (inflight.ts). */
  maxInflightBytes: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  // Longer than the 60 s idle timeout of common load balancers (AWS ALB, nginx), so that the
  // balancer, not Loupe, closes an idle connection and never sends a request into a closing one.
  keepAliveTimeoutMs: 65_000,
  idleTimeoutMs: 120_000,
  maxConnections: 1024,
  // Measured under a 10x overload (bench/overload.ts, docs/limits.md): peak RSS ~230 MiB over the
  // idle server and list reads p95 under a second; 128 MiB let RSS grow ~520 MiB and reads p95 2.5 s.
  maxInflightBytes: 32 * 1024 * 1024,
};

const ENV: Record<keyof ConnectionLimits, string> = {
  headersTimeoutMs: 'LOUPE_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'LOUPE_REQUEST_TIMEOUT_MS',
  keepAliveTimeoutMs: 'LOUPE_KEEP_ALIVE_TIMEOUT_MS',
  idleTimeoutMs: 'LOUPE_IDLE_TIMEOUT_MS',
  maxConnections: 'LOUPE_MAX_CONNECTIONS',
  maxInflightBytes: 'LOUPE_MAX_INFLIGHT_BYTES',
};

/**
 * Numeric settings in layers: `defaults`, then each field's variable in `env`, then `overrides`;
 * a value `valid` refuses stops the start with the variable's name and `what` it must be.
 */
export function layered<T extends { [K in keyof T]: number }>(defaults: T, names: Record<keyof T, string>, overrides: Partial<T>, env: NodeJS.ProcessEnv, valid: (v: number) => boolean, what: string): T {
  const out = { ...defaults };
  for (const k of Object.keys(names) as Array<keyof T & string>) {
    const raw = env[names[k]]?.trim();
    const v = overrides[k] ?? (raw ? Number(raw) : undefined);
    if (v === undefined) continue;
    if (!valid(v)) throw new Error(`${names[k]} (${k}) must be ${what}, not ${String(raw ?? v)}`);
    out[k] = v as T[keyof T & string];
  }
  return out;
}

/** The limits in force: defaults, then the environment, then `overrides`; each a positive integer. */
export function resolveLimits(overrides: Partial<ConnectionLimits> = {}, env: NodeJS.ProcessEnv = process.env): ConnectionLimits {
  const out = layered<ConnectionLimits>(DEFAULT_LIMITS, ENV, overrides, env, (v) => Number.isInteger(v) && v > 0, 'a positive integer');
  // Node refuses a headers timeout longer than the request timeout; say which setting to change.
  if (out.headersTimeoutMs > out.requestTimeoutMs) {
    throw new Error(`${ENV.headersTimeoutMs} (${out.headersTimeoutMs}) must not exceed ${ENV.requestTimeoutMs} (${out.requestTimeoutMs})`);
  }
  return out;
}

/**
 * How often Node looks for requests past their headers or request timeout. Its default (30 s)
 * would let a 10 s headers timeout run to 40 s; a tenth of the shorter timeout keeps the overrun
 * small without waking often.
 */
export function checkIntervalMs(l: ConnectionLimits): number {
  return Math.min(1000, Math.max(20, Math.floor(Math.min(l.headersTimeoutMs, l.requestTimeoutMs) / 10)));
}
