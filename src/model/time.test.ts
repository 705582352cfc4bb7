// isoFromMicros formats by remembering the last second it formatted; any order of times must
// still give Date's own answer, with the microseconds appended.
import { expect, test } from 'vitest';
import { isoFromMicros, storedIso } from './time.js';
import { prng } from '../../test/helpers/otlp.js';

const reference = (us: number) => {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, -1)}${String(us - ms * 1000).padStart(3, '0')}Z`;
};

test('isoFromMicros matches Date for times in any order, every second boundary included', () => {
  const rand = prng(7);
  const base = 1_772_359_200_000_000;
  const times = [0, 1, 999_999, 1_000_000, base, base + 999_999, base + 1_000_000, base - 1];
  for (let i = 0; i < 2000; i++) times.push(base + Math.floor(rand() * 5_000_000), Math.floor(rand() * 2 ** 52));
  for (const us of times) expect(isoFromMicros(us)).toBe(reference(us));
  expect(isoFromMicros(base + 123_456)).toBe('2026-03-01T10:00:00.123456Z');
  expect(isoFromMicros(null)).toBeNull();
});

test('isoFromMicros is total: a time no ISO text can show is null, never a throw (issue 14)', () => {
  for (const us of [1e21, -1e21, 1e303, Number.MAX_VALUE, Infinity, -Infinity, NaN]) expect(isoFromMicros(us)).toBeNull();
  expect(storedIso(undefined)).toBeNull();
  // The edges of Date's range still show, as extended years; a fraction of a µs is rounded.
  expect(isoFromMicros(8.64e18)).toBe('+275760-09-13T00:00:00.000000Z');
  expect(isoFromMicros(-8.64e18)).toBe('-271821-04-20T00:00:00.000000Z');
  expect(isoFromMicros(1_000_000.6)).toBe('1970-01-01T00:00:01.000001Z');
  expect(isoFromMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
});
