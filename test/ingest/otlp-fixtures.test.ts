// OTLP mapping fixtures ("golden" files): every OTLP JSON payload under test/fixtures/otlp/ (and
// the OTLP examples in test/fixtures/examples/) runs through otlpAdapter and must equal the
// normalised AdapterResult stored beside it as `<name>.expected.json`.
// UPDATE_GOLDEN=1 rewrites the goldens from the code: read every changed golden before committing.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { otlpAdapter } from '../../src/ingest/otlp/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const OTLP = join(FIXTURES, 'otlp');
const EXAMPLES = join(FIXTURES, 'examples');

const cases: Array<{ name: string; input: string; golden: string }> = [
  ...readdirSync(OTLP)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
    .map((f) => ({ name: f, input: join(OTLP, f), golden: join(OTLP, f.replace(/\.json$/, '.expected.json')) })),
  ...readdirSync(EXAMPLES)
    .filter((f) => /-otlp-.*\.json$/.test(f))
    .map((f) => ({ name: `examples/${f}`, input: join(EXAMPLES, f), golden: join(OTLP, 'examples', f.replace(/\.json$/, '.expected.json')) })),
];

describe('OTLP mapping fixtures', () => {
  test('there are fixtures to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  test.each(cases)('$name', ({ input, golden }) => {
    // JSON round trip: the golden holds what the API would see (undefined fields absent).
    const actual = JSON.parse(JSON.stringify(otlpAdapter(readFileSync(input), 'json'))) as unknown;
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(golden), { recursive: true });
      writeFileSync(golden, `${JSON.stringify(actual, null, 2)}\n`);
    }
    expect(existsSync(golden), `missing golden ${golden} (run with UPDATE_GOLDEN=1, then read it)`).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
  });
});
