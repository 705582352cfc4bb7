// Unsigned LEB128 varints, for the id lists of chunk-format columns and chunk packs.

/** `values` (non-negative integers) as varints, after `head` (bytes written first, as they are). */
export function encodeVarints(values: number[], head: number[] = []): Buffer {
  const out = Buffer.allocUnsafe(head.length + values.length * 8);
  let p = 0;
  for (const h of head) out[p++] = h;
  for (let z of values) {
    while (z >= 0x80) {
      out[p++] = (z % 0x80) | 0x80;
      z = Math.floor(z / 0x80);
    }
    out[p++] = z;
  }
  return out.subarray(0, p);
}

/** The varints of `buf` from byte `start` to its end. */
export function decodeVarints(buf: Uint8Array, start = 0): number[] {
  const out: number[] = [];
  let p = start;
  while (p < buf.length) {
    let z = 0;
    let mul = 1;
    let b: number;
    do {
      b = buf[p++];
      z += (b & 0x7f) * mul;
      mul *= 0x80;
    } while (b & 0x80);
    out.push(z);
  }
  return out;
}
