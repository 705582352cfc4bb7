import { expect, test } from 'vitest';
import { didYouMean, nearest } from './suggest.js';
import { relativeMicros } from './relative-time.js';

test('nearest: a misspelt name finds the known one; an unrelated word finds nothing', () => {
  const params = ['from', 'to', 'userId', 'sessionId', 'model', 'environment', 'minDurationMs'];
  expect(nearest('frm', params)).toBe('from');
  expect(nearest('userid', params)).toBe('userId');
  expect(nearest('session_id', params)).toBe('sessionId');
  expect(nearest('enviroment', params)).toBe('environment');
  expect(nearest('minDuration', params)).toBe('minDurationMs');
  expect(nearest('banana', params)).toBeUndefined();
  expect(nearest('x', params)).toBeUndefined();
  expect(didYouMean('modle', params)).toBe(' Did you mean "model"?');
  expect(didYouMean('zzzz', params)).toBe('');
});

test('relative times: -1h, now-7d, now, +5m; anything else is not one', () => {
  const now = 1_800_000_000_000_000;
  expect(relativeMicros('-1h', now)).toBe(now - 3_600_000_000);
  expect(relativeMicros('now-7d', now)).toBe(now - 7 * 86_400_000_000);
  expect(relativeMicros('now - 30m', now)).toBe(now - 30 * 60_000_000);
  expect(relativeMicros('now', now)).toBe(now);
  expect(relativeMicros('NOW', now)).toBe(now);
  expect(relativeMicros('+5m', now)).toBe(now + 5 * 60_000_000);
  expect(relativeMicros('-1.5h', now)).toBe(now - 5_400_000_000);
  expect(relativeMicros('-2w', now)).toBe(now - 14 * 86_400_000_000);
  for (const bad of ['1h', '-1y', 'now-', 'yesterday', '', '-h', '2026-01-01']) expect(relativeMicros(bad, now), bad).toBeUndefined();
});
