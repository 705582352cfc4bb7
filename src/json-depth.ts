// How deeply JSON text nests, found by one linear scan over its bytes before anything parses it:
// parsing is iterative, but much of what handles the parsed value afterwards recurses
// (JSON.stringify, validation, flattening), so a body nested thousands deep overflowed the stack
// and answered 500. Bodies past the limit are refused instead. Pure, with no dependencies, so
// any layer may use it (an adapter parsing JSON found inside a string, too).

/** Arrays and objects inside each other, at most; `[[1]]` is 2. Documented in docs/limits.md. */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/**
 * The byte offset where `text` first opens an array or object deeper than `max`, or -1 when it
 * never does. Brackets inside strings do not count. Invalid JSON is not diagnosed here (the
 * parser does that); the scan only promises not to miss a nesting the parser would build.
 * With `lines`, each line is a document of its own (JSON Lines), so depth starts again at 0.
 */
export function jsonTooDeep(text: Buffer | string, max = MAX_JSON_DEPTH, opts: { lines?: boolean } = {}): number {
  const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const n = buf.length;
  const lines = opts.lines === true;
  // The next line break at or after the scan position (JSON Lines only); found once per line.
  let nextLine = lines ? buf.indexOf(NEWLINE) : -1;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) {
      // Jump to the closing quote (the native search does most of the work: most bytes of a
      // body are inside strings); a quote after an odd run of backslashes is escaped.
      let j = i;
      for (;;) {
        j = buf.indexOf(QUOTE, j + 1);
        if (j === -1) break;
        let slashes = 0;
        while (buf[j - 1 - slashes] === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
      }
      // JSON strings hold no raw line breaks: in JSON Lines a string running past the end of its
      // line is invalid, and the next line starts afresh.
      if (nextLine !== -1 && (j === -1 || nextLine < j)) {
        i = nextLine;
        depth = 0;
        nextLine = buf.indexOf(NEWLINE, i + 1);
        continue;
      }
      if (j === -1) return -1; // an unterminated string: invalid, and nothing after it nests
      i = j;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) {
      if (depth > 0) depth--;
    } else if (c === NEWLINE && lines) {
      depth = 0;
      nextLine = buf.indexOf(NEWLINE, i + 1);
    }
  }
  return -1;
}

/**
 * JSON found inside a string field (OpenInference `input.value`, Avido `metadata`…), parsed when
 * it is an object or an array nested no deeper than the limit; anything else, too deep included,
 * comes back as the text it was (stored as text, never a stack overflow later).
 */
export function maybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return v;
  if (jsonTooDeep(t) >= 0) return v;
  try {
    return JSON.parse(t);
  } catch {
    return v;
  }
}
