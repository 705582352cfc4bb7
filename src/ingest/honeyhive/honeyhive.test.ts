// Golden tests for the HoneyHive adapter: fixtures/NAME.json through the endpoint its name
// starts with (batch-, session-start, event-), compared with fixtures/NAME.expected.json
// (UPDATE_GOLDEN=1 rewrites them). Generated ids come from a counter, so the files are stable.
import { describe, expect, test } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { honeyhiveBatch, honeyhiveEvent, honeyhiveSessionStart, type HoneyHiveContext } from './index.js';

const dir = new URL('./fixtures/', import.meta.url);
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
const ctx = (): HoneyHiveContext => {
  let n = 0;
  return { receivedAt: 1_737_000_000_000_000, headers: {}, newId: () => `gen-${++n}` };
};
const adapterFor = (name: string) => (name.startsWith('batch-') ? honeyhiveBatch : name.startsWith('session-start') ? honeyhiveSessionStart : honeyhiveEvent);

describe('honeyhive golden files', () => {
  const inputs = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'));
  test.each(inputs)('%s', (name) => {
    const actual = adapterFor(name)(load(name), ctx());
    const expectedFile = new URL(name.replace(/\.json$/, '.expected.json'), dir);
    if (process.env.UPDATE_GOLDEN || !existsSync(expectedFile)) writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
    expect(JSON.parse(JSON.stringify(actual))).toEqual(JSON.parse(readFileSync(expectedFile, 'utf8')));
  });
});

test('children_ids make the tree when parent_id is absent', () => {
  const r = honeyhiveBatch({ events: [
    { event_type: 'chain', event_id: 'p', session_id: 's', children_ids: ['c'], inputs: {} },
    { event_type: 'tool', event_id: 'c', inputs: {} },
  ] }, ctx());
  expect(r.batch.spans.map((s) => [s.id, s.traceId, s.parentId])).toEqual([['p', 's', 's'], ['c', 's', 'p']]);
});

test('one invalid event refuses the request, naming it', () => {
  expect(() => honeyhiveBatch({ events: [{ event_type: 'model', inputs: {} }, { event_type: 'llm' }] }, ctx())).toThrow(/events\.1\.event_type/);
  expect(() => honeyhiveBatch({ events: [{ event_type: 'tool', start_time: 'soon' }] }, ctx())).toThrow(/start_time/);
});
