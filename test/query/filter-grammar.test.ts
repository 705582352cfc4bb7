// The filter grammar alone: parse errors point at the bad token, and the compiled SQL is the
// expected parameterised text (the same expressions run against real data in
// test/integration/analytics-http.test.ts).
import { describe, expect, test } from 'vitest';
import { isLoupeError } from '../../src/errors.js';
import { parseExpr } from '../../src/query/expr.js';
import { parseFilterExpression } from '../../src/query/fields.js';
import { parseScoreParam, parseSessionQuery, parseTraceQuery } from '../../src/query/filter.js';
import { compileExpr, compileTraceFilter } from '../../src/query/sql.js';
import { sqliteDialect } from '../../src/store/sqlite/index.js';

function errorOf(fn: () => unknown): { code: string; message: string; details: { position: number; token: string } } {
  try {
    fn();
  } catch (e) {
    if (isLoupeError(e)) return { code: e.code, message: e.message, details: e.details as { position: number; token: string } };
    throw e;
  }
  throw new Error('expected an error');
}

describe('parse errors name the position and the token', () => {
  const cases: Array<[string, number, string, RegExp]> = [
    ['kind = llm', 7, 'llm', /put text in quotes/],
    ['kind = "llm" and', 16, '', /expected a field name/],
    ['(kind = "llm"', 13, '', /expected "\)"/],
    ['kind = "llm" durationMs > 5', 13, 'durationMs', /expected "and", "or"/],
    ['kind ~ "llm"', 5, '~', /unexpected character/],
    ['name = "abc', 7, '"abc', /unterminated string/],
    ['status in ["error", ]', 20, ']', /expected a value/],
    ['durationMs 5', 11, '5', /expected an operator/],
  ];
  test.each(cases)('%s', (src, position, token, message) => {
    const e = errorOf(() => parseExpr(src));
    expect(e.code).toBe('invalid_query');
    expect(e.details).toMatchObject({ parameter: 'filter', position, token });
    expect(e.message).toMatch(message);
    expect(e.message).toContain(`at position ${position}`);
  });
});

describe('validation against the target fields', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['colour = "red"', 0, /unknown field for traces/],
    ['kind = "robot"', 7, /kind is one of llm, tool/],
    ['durationMs > "slow"', 13, /is a number/],
    ['name > "a"', 0, /needs a number or time field/],
    ['startTime > "yesterday"', 12, /is a time/],
    ['score.rating > "high"', 15, /compares numeric scores/],
    ['metadata.plan = true', 16, /quote booleans/],
    ['tag = null', 6, /null is not a value here/],
  ];
  test.each(cases)('%s', (src, position, message) => {
    const e = errorOf(() => parseFilterExpression(src, 'trace'));
    expect(e.details.position).toBe(position);
    expect(e.message).toMatch(message);
  });

  test('a field of another target is refused with the list of known ones', () => {
    expect(errorOf(() => parseFilterExpression('traceCount > 2', 'trace')).message).toMatch(/unknown field for traces \(known: id, name/);
    expect(parseFilterExpression('traceCount > 2', 'session')).toMatchObject({ field: 'traceCount', cmp: '>', value: 2 });
  });

  test('times become microseconds, ISO or epoch ms', () => {
    expect(parseFilterExpression('startTime >= "2024-01-01T00:00:00Z"', 'trace')).toMatchObject({ value: 1_704_067_200_000_000 });
    expect(parseFilterExpression('startTime >= 1704067200000', 'trace')).toMatchObject({ value: 1_704_067_200_000_000 });
  });
});

describe('compiled SQL', () => {
  const compile = (src: string) => compileExpr(sqliteDialect, 'trace', parseFilterExpression(src, 'trace'));

  test('the issue example', () => {
    const c = compile('kind = "llm" and durationMs > 1000 and metadata.customer = "acme" and score.thumbs = "down"');
    expect(c.sql).toBe("(EXISTS (SELECT 1 FROM spans k WHERE k.trace_num = t.num AND coalesce(k.kind, 'span') = ?) AND t.duration_ms > ?"
      + " AND (SELECT CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(j.atom AS TEXT) END FROM json_each(t.metadata) j WHERE j.key = ?) = ?"
      + " AND EXISTS (SELECT 1 FROM scores sc WHERE sc.trace_num = t.num AND sc.name = ? AND sc.value_type = 'string' AND sc.str_value = ?))");
    expect(c.params).toEqual(['llm', 1000, 'customer', 'acme', 'thumbs', 'down']);
  });

  test('or, not, in, contains, != and null', () => {
    const c = compile('not (status in ["error", "pending"] or name contains "50%") and userId != "bob" and sessionId = null');
    expect(c.sql).toBe("((((t.status IN (?, ?) OR t.name LIKE ? ESCAPE '\\')) IS NOT TRUE) AND (t.user_id IS NULL OR t.user_id <> ?) AND t.session_id IS NULL)");
    expect(c.params).toEqual(['error', 'pending', '%50\\%%', 'bob']);
  });

  test('user text only ever travels as a parameter', () => {
    const c = compile(`name = "x' OR 1=1 --" and metadata.k = "'; DROP TABLE traces; --"`);
    expect(c.sql).not.toContain('DROP');
    expect(c.sql).not.toContain('OR 1=1');
    expect(c.params).toContain("x' OR 1=1 --");
  });

  test('numeric scores and metadata compare as numbers', () => {
    const c = compile('score.rating >= 4 and metadata.seats > 10 and score.ok = true');
    expect(c.sql).toContain("sc.value_type = 'number' AND sc.num_value >= ?");
    expect(c.sql).toContain("(SELECT CASE WHEN j.type IN ('integer', 'real') THEN j.atom END FROM json_each(t.metadata) j WHERE j.key = ?) > ?");
    expect(c.sql).toContain("sc.value_type = 'boolean' AND sc.num_value = ?");
    expect(c.params).toEqual(['rating', 4, 'seats', 10, 'ok', 1]);
  });
});

describe('query-string score conditions', () => {
  test('every spelling the query string can take', () => {
    expect(parseScoreParam('score.thumbs', 'down')).toEqual({ name: 'thumbs', op: '=', value: 'down' });
    expect(parseScoreParam('score.rating>', '4')).toEqual({ name: 'rating', op: '>=', value: '4' });
    expect(parseScoreParam('score.rating<', '4')).toEqual({ name: 'rating', op: '<=', value: '4' });
    expect(parseScoreParam('score.rating>4', '')).toEqual({ name: 'rating', op: '>', value: '4' });
    expect(parseScoreParam('score.rating<2.5', '')).toEqual({ name: 'rating', op: '<', value: '2.5' });
    expect(parseScoreParam('score.thumbs!', 'down')).toEqual({ name: 'thumbs', op: '!=', value: 'down' });
    expect(errorOf(() => parseScoreParam('score.rating>', 'high')).message).toMatch(/not a number/);
  });

  test('compile beside the other list filters', () => {
    const { filter } = parseTraceQuery({ 'score.rating>': '4', status: 'error' });
    const c = compileTraceFilter(sqliteDialect, 7, filter);
    expect(c.where).toEqual(['t.project_id = ?', 't.status IN (?)',
      "EXISTS (SELECT 1 FROM scores sc WHERE sc.trace_num = t.num AND sc.name = ? AND sc.value_type = 'number' AND sc.num_value >= ?)"]);
    expect(c.params).toEqual([7, 'error', 'rating', 4]);
  });

  test('a list refuses the filters that do not apply to it', () => {
    const e = errorOf(() => parseSessionQuery({ status: 'error' }));
    expect(e.code).toBe('unsupported_filter');
    expect(e.message).toMatch(/"status" does not apply to sessions/);
  });
});
