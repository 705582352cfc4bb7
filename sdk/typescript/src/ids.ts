// OpenTelemetry-shaped ids (trace 16 bytes = 32 hex, span 8 bytes = 16 hex), so spans of an
// OpenTelemetry bridge and of this SDK can share a trace. Random bytes come from a pooled buffer
// refilled 4 KiB at a time: one crypto call per id would cost more than the rest of a span.
import { fillRandom } from './runtime.js';

const POOL = 4096;
const pool = new Uint8Array(POOL);
let pos = POOL;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex(bytes: number): string {
  if (pos + bytes > POOL) {
    fillRandom(pool);
    pos = 0;
  }
  let s = '';
  let zero = true;
  for (let i = 0; i < bytes; i++) {
    const b = pool[pos++];
    if (b !== 0) zero = false;
    s += HEX[b];
  }
  // An all-zero id is invalid in OpenTelemetry; astronomically rare, but cheap to rule out.
  return zero ? hex(bytes) : s;
}

export function traceId(): string {
  return hex(16);
}

export function spanId(): string {
  return hex(8);
}
