// The list URL → API query mapping, and the "key=value" boxes.
import { describe, expect, test } from 'vitest';
import { apiParams, parsePair, setParam } from './list-params';

describe('list params', () => {
  test('API filters pass through; the dashboard’s own and foreign parameters do not', () => {
    const url = new URLSearchParams('status=error&tag=a&tag=b&metadata.plan=pro&score.thumbs=down&range=1h&live=off&utm_source=slack&filter=x%20%3D%201');
    const q = apiParams(url, Date.parse('2026-12-07T12:00:00Z'));
    expect(q.getAll('tag')).toEqual(['a', 'b']);
    expect(q.get('metadata.plan')).toBe('pro');
    expect(q.get('score.thumbs')).toBe('down');
    expect(q.get('filter')).toBe('x = 1');
    expect(q.get('from')).toBe('2026-12-07T11:00:00.000Z');
    for (const k of ['range', 'live', 'utm_source']) expect(q.has(k)).toBe(false);
  });

  test('a custom from wins over a preset', () => {
    const q = apiParams(new URLSearchParams('range=1h&from=2026-01-01T00:00:00.000Z'), Date.now());
    expect(q.getAll('from')).toEqual(['2026-01-01T00:00:00.000Z']);
  });

  test('score conditions keep their whole condition in the key', () => {
    expect(parsePair('score.', 'thumbs=down')).toEqual(['score.thumbs', 'down']);
    expect(parsePair('score.', 'accuracy >= 0.8')).toEqual(['score.accuracy>', '0.8']);
    expect(parsePair('score.', 'accuracy>0.8')).toEqual(['score.accuracy>0.8', '']);
    expect(parsePair('score.', 'label!=spam')).toEqual(['score.label!', 'spam']);
    const url = setParam(new URLSearchParams(), 'score.accuracy>0.8', '');
    expect(apiParams(url, 0).toString()).toBe('score.accuracy%3E0.8=');
  });

  test('metadata takes equality only', () => {
    expect(parsePair('metadata.', 'plan=pro')).toEqual(['metadata.plan', 'pro']);
    expect(parsePair('metadata.', 'plan>pro')).toBeNull();
    expect(parsePair('metadata.', 'no operator')).toBeNull();
  });
});
