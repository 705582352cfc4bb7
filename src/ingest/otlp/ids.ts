// OTLP ids: lowercase hex inside Loupe. JSON clients should send hex but some send base64.
const HEX_RE = /^[0-9a-fA-F]+$/;

/** Returns lowercase hex of `bytes` length, or undefined when absent, malformed or all zero. */
export function normaliseId(v: unknown, bytes: 16 | 8): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  let hex: string | undefined;
  if (v.length === bytes * 2 && HEX_RE.test(v)) hex = v.toLowerCase();
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) {
    const buf = Buffer.from(v, 'base64');
    if (buf.length === bytes) hex = buf.toString('hex');
  }
  if (hex === undefined || /^0+$/.test(hex)) return undefined;
  return hex;
}
