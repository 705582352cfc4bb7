// Arbitraries for the ingest fuzz: a real payload of each format with its leaves replaced, keys
// dropped and values nested, using the values a careless or hostile client sends (times far out
// of range, huge and negative numbers, long and odd strings, deep nesting, wrong types).
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const nested = (depth: number, leaf: Json): Json => {
  let v: Json = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};

/** Values that have broken trace stores: each is something a client has sent somewhere. */
export const nasty: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    1e18, -1e18, 1e300, -1e300, 8.64e15, 8.64e15 + 1, -1, 0, 2 ** 53, -(2 ** 63), 1.5, Number.MAX_SAFE_INTEGER,
    '', ' ', '\u0000', '\u0000\u0000abc', 'not a time', '9999-99-99T99:99:99Z', '+275760-09-13T00:00:00.001Z', '-271821-04-20T00:00:00Z',
    '1e18', 'NaN', 'Infinity', '\ud800', '🙂'.repeat(100), '<script>alert(1)</script>', '../../etc/passwd', 'a'.repeat(5000),
    true, false, null, [], {}, [null], { '': null }, { __proto__: null } as unknown as Json, { constructor: 'x' }, { toString: 'x' },
  ),
  fc.integer({ min: 1, max: 300 }).map((d) => nested(d, 'deep')),
  fc.string({ maxLength: 40 }),
  fc.double(),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

type Path = Array<string | number>;

function paths(v: Json, at: Path = [], out: Path[] = [], depth = 0): Path[] {
  out.push(at);
  if (depth > 12 || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out, depth + 1));
  else for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out, depth + 1);
  return out;
}

function setAt(root: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value;
  const copy = structuredClone(root);
  let cur = copy as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}

/** A payload with 1-4 places changed: set to a nasty value, or removed. */
export function mutated(payload: Json): fc.Arbitrary<Json> {
  const all = paths(payload).filter((p) => p.length > 0);
  const change = fc.record({ at: fc.integer({ min: 0, max: all.length - 1 }), value: fc.option(nasty, { freq: 6, nil: undefined }) });
  return fc.array(change, { minLength: 1, maxLength: 4 }).map((changes) => {
    let out = payload;
    for (const c of changes) {
      const p = all[c.at];
      try {
        out = setAt(out, p, c.value);
      } catch {
        // An earlier change removed this path's parent: skip it.
      }
    }
    return out;
  });
}
