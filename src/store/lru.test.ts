// The bounded cache: by count, by bytes, least recently used first, huge values not held.
import { expect, test } from 'vitest';
import { LruMap, stringBytes } from './lru.js';

test('forgets the least recently used entry past its capacity', () => {
  const m = new LruMap<string, number>(2);
  m.set('a', 1);
  m.set('b', 2);
  expect(m.get('a')).toBe(1);
  m.set('c', 3);
  expect(m.get('b')).toBeUndefined();
  expect(m.get('a')).toBe(1);
  expect(m.size).toBe(2);
});

test('with a weigher, the bytes held stay under maxBytes whatever the values', () => {
  const m = new LruMap<number, string>({ capacity: 1_000_000, maxBytes: 10_000, weigh: (_k, v) => stringBytes(v) });
  for (let i = 0; i < 1_000; i++) m.set(i, 'x'.repeat(400));
  expect(m.bytes).toBeLessThanOrEqual(10_000);
  expect(m.size).toBe(12);
  expect(m.get(999)).toBe('x'.repeat(400));
  expect(m.get(0)).toBeUndefined();
});

test('a value heavier than a tenth of the budget is not held, and does not push others out', () => {
  const m = new LruMap<number, string>({ capacity: 100, maxBytes: 10_000, weigh: (_k, v) => stringBytes(v) });
  m.set(1, 'small');
  m.set(2, 'y'.repeat(600));
  expect(m.get(2)).toBeUndefined();
  expect(m.get(1)).toBe('small');
  // replacing a key releases its old weight
  m.set(1, 'z'.repeat(100));
  m.set(1, 'z');
  expect(m.bytes).toBe(2);
});
