// Output a page shows, compared with what a server answered. The rule (also in doc-blocks.test.ts):
//  - the shown text is JSON in which `…` (or `...`) stands for what is left out: a bare `…` in an
//    object means "more keys", in an array "more items"; inside a string it matches any text
//    ("sc_…" matches every id starting with sc_);
//  - objects are compared by the keys shown: each must be in the answer with a matching value
//    (keys not shown are allowed, so a page may show only what it talks about);
//  - arrays must have the items shown, in order, and exactly that many unless a `…` item says more;
//  - numbers (within float rounding), booleans, null and strings without `…` must be equal.
// A command's output may hold several JSON values one after another (one curl after another):
// the shown value is compared with the last.

const ELLIPSIS_KEY = '\u0000…';
const ELLIPSIS_ITEM = '\u0000…item';

/** The shown text as JSON, with each bare `…` made a marker the comparison understands. */
export function parseShown(text: string): unknown {
  let out = '';
  const stack: Array<'{' | '['> = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '{' || c === '[') stack.push(c);
    if (c === '}' || c === ']') stack.pop();
    const dots = c === '…' ? 1 : text.startsWith('...', i) ? 3 : 0;
    if (dots) {
      out += stack[stack.length - 1] === '{' ? JSON.stringify(ELLIPSIS_KEY) + ':true' : JSON.stringify(ELLIPSIS_ITEM);
      i += dots - 1;
      continue;
    }
    out += c;
  }
  return JSON.parse(out);
}

/** Every JSON value in `text`, one after another (whitespace between them, or nothing). */
export function jsonValues(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      continue;
    }
    if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if ((c === '}' || c === ']') && depth > 0 && --depth === 0) {
      values.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return values;
}

/** Where `actual` differs from the shown value (empty when it matches), as JSON paths. */
export function differences(shown: unknown, actual: unknown, path = '$'): string[] {
  if (typeof shown === 'string' && shown.includes('…')) {
    const re = new RegExp(`^${shown.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*')}$`);
    return typeof actual === 'string' && re.test(actual) ? [] : [`${path}: shown ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual)) return [`${path}: shown an array, got ${JSON.stringify(actual)}`];
    const more = shown.includes(ELLIPSIS_ITEM);
    const items = shown.filter((x) => x !== ELLIPSIS_ITEM);
    if (more ? actual.length < items.length : actual.length !== items.length) return [`${path}: shown ${items.length}${more ? ' or more' : ''} items, got ${actual.length}`];
    return items.flatMap((x, i) => differences(x, actual[i], `${path}[${i}]`));
  }
  if (shown !== null && typeof shown === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: shown an object, got ${JSON.stringify(actual)}`];
    const a = actual as Record<string, unknown>;
    return Object.entries(shown).flatMap(([k, v]) => {
      if (k === ELLIPSIS_KEY) return [];
      if (!(k in a)) return [`${path}.${k}: shown, missing from the answer`];
      return differences(v, a[k], `${path}.${k}`);
    });
  }
  // a shown price or rate is written as a decimal; the answer's float may differ in its last bits
  if (typeof shown === 'number' && typeof actual === 'number' && Math.abs(shown - actual) <= 1e-9 * Math.max(1, Math.abs(shown))) return [];
  return Object.is(shown, actual) ? [] : [`${path}: shown ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
}
