// The rule the doc test compares shown output by (./shown.ts), on its own: what `…` allows and
// what it does not, so a page cannot pass by a comparison that looks at nothing.
import { describe, expect, test } from 'vitest';
import { shellBlocks } from './blocks.js';
import { differences, jsonValues, parseShown } from './shown.js';

describe('shown output', () => {
  test('a bare … in an object allows more keys, in an array more items; keys shown must match', () => {
    const shown = parseShown('{"data":[{"id":"chat-1",…},…],"nextCursor":null}');
    expect(differences(shown, { data: [{ id: 'chat-1', name: 'x' }, { id: 'chat-2' }], nextCursor: null })).toEqual([]);
    expect(differences(shown, { data: [], nextCursor: null })).toEqual(['$.data: shown 1 or more items, got 0']);
    expect(differences(shown, { data: [{ id: 'chat-2' }], nextCursor: null })).toEqual(['$.data[0].id: shown "chat-1", got "chat-2"']);
    expect(differences(shown, { data: [{ id: 'chat-1' }] })).toEqual(['$.nextCursor: shown, missing from the answer']);
  });

  test('without … an array has exactly the items shown; … inside a string matches any text there', () => {
    expect(differences(parseShown('[1,2]'), [1, 2, 3])).toEqual(['$: shown 2 items, got 3']);
    expect(differences(parseShown('{"id":"sc_…"}'), { id: 'sc_9f2' })).toEqual([]);
    expect(differences(parseShown('{"id":"sc_…"}'), { id: 'tr_9f2' })).toHaveLength(1);
    expect(differences(parseShown('{"cost":0.00033}'), { cost: 0.00033000000000000005 })).toEqual([]);
    expect(differences(parseShown('{"n":1}'), { n: '1' })).toHaveLength(1);
  });

  test('several JSON values printed one after another are read one by one', () => {
    expect(jsonValues('{"a":"}{"}{"b":[1]}\n[]')).toEqual([{ a: '}{' }, { b: [1] }, []]);
  });

  test('blocks: markers, # output comments (continued), and a json block introduced by a paragraph', () => {
    const page = [
      '<!-- doc-test: skip (no grpcurl) -->', '```sh', 'grpcurl x', '```', '',
      '```bash', 'curl a', '# {"x":1,', '#   "y":2}', 'curl b', '```', '', 'The answer:', '', '```json', '{"z":3}', '```',
    ].join('\n');
    const [skipped, run] = shellBlocks('p.md', page);
    expect(skipped.marker).toEqual({ kind: 'skip', reason: 'no grpcurl' });
    expect(run.line).toBe(6);
    expect(run.segments).toEqual([
      { script: 'curl a', expected: { line: 8, text: '{"x":1,\n"y":2}' } },
      { script: 'curl b', expected: { line: 16, text: '{"z":3}' } },
    ]);
  });
});
