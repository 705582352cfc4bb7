// The depth scan agrees with what JSON.parse would build: brackets in strings (escaped quotes and
// backslashes included) do not count, JSON Lines start each line afresh, and a 64 MiB body is
// scanned in well under a second.
import { describe, expect, test } from 'vitest';
import { MAX_JSON_DEPTH, jsonTooDeep } from './json-depth.js';

const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

/** The real depth of a parsed value, for comparison. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

describe('jsonTooDeep', () => {
  test('up to the limit passes, one more is refused at the bracket that went past', () => {
    expect(jsonTooDeep(nested(MAX_JSON_DEPTH))).toBe(-1);
    expect(jsonTooDeep(nested(MAX_JSON_DEPTH + 1))).toBe(MAX_JSON_DEPTH);
    expect(jsonTooDeep(`{"a":${nested(MAX_JSON_DEPTH - 1)}}`)).toBe(-1);
    expect(jsonTooDeep(`{"a":${nested(MAX_JSON_DEPTH)}}`)).toBeGreaterThan(0);
    expect(jsonTooDeep(nested(100_000))).toBe(MAX_JSON_DEPTH);
  });

  test('siblings do not add up; closing brackets bring the depth back', () => {
    const wide = `[${Array.from({ length: 1000 }, () => nested(10)).join(',')}]`;
    expect(jsonTooDeep(wide, 11)).toBe(-1);
    expect(jsonTooDeep(wide, 10)).toBe(10); // the first item's innermost bracket
  });

  test('brackets inside strings do not count, whatever the escapes', () => {
    const samples = [
      { s: '['.repeat(500) },
      { s: 'a\\"[[[[', t: '"\\\\', u: ['\\', '"', '[{'] },
      ['\\\\\\"', '{{{{', { k: '\u2028[[[' }],
      { 'key[[[[': 'value]]]]', nested: [[[['x"[']]]] },
      '\u00e9[\ud83d\ude00{',
    ];
    for (const v of samples) {
      const text = JSON.stringify(v);
      const depth = depthOf(v);
      expect(jsonTooDeep(text, depth), text).toBe(-1);
      if (depth > 0) expect(jsonTooDeep(text, depth - 1), text).toBeGreaterThanOrEqual(0);
    }
  });

  test('bytes and strings give the same answer', () => {
    const text = `{"a":"é[[","b":${nested(5)}}`;
    expect(jsonTooDeep(Buffer.from(text), 4)).toBe(jsonTooDeep(text, 4));
    expect(jsonTooDeep(text, 4)).toBeGreaterThan(0);
  });

  test('JSON Lines: each line on its own, a broken line does not carry over', () => {
    const line = nested(100);
    expect(jsonTooDeep([line, line, line].join('\n'), 100, { lines: true })).toBe(-1);
    expect(jsonTooDeep([line, line].join(''), 100, { lines: true })).toBe(-1);
    expect(jsonTooDeep('['.repeat(60) + '\n' + '['.repeat(60), 100, { lines: true })).toBe(-1);
    expect(jsonTooDeep('['.repeat(60) + '\n' + '['.repeat(60), 100)).toBeGreaterThan(0);
    // An unterminated string on one line, a deep value on the next.
    const text = `{"a":"open\n${nested(101)}`;
    expect(jsonTooDeep(text, 100, { lines: true })).toBeGreaterThan(text.indexOf('\n'));
  });

  test('an unterminated string ends the scan (the parser will refuse the body)', () => {
    expect(jsonTooDeep(`["abc${nested(500)}`)).toBe(-1);
  });

  test('64 MiB of typical JSON is scanned in well under a second', () => {
    const item = JSON.stringify({ id: 'x'.repeat(20), input: { messages: [{ role: 'user', content: 'lorem ipsum "quoted" \\ text '.repeat(20) }] } });
    const body = Buffer.from(`[${Array.from({ length: Math.ceil((64 * 1024 * 1024) / item.length) }, () => item).join(',')}]`);
    const t = performance.now();
    expect(jsonTooDeep(body)).toBe(-1);
    expect(performance.now() - t).toBeLessThan(1000);
  });
});
