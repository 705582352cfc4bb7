// Unsigned LEB128 varints, and zigzag for signed values: the id lists of chunk-format columns,
// chunk packs and latency histograms.

/** A signed integer as a non-negative one (0, -1, 1, -2 … → 0, 1, 2, 3 …), in arithmetic: values can pass 2^31. */
export const zigzag = (n: number): number => (n >= 0 ? 2 * n : -2 * n - 1);

export const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

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
