// The PostgreSQL dialect's SQL text and value helpers; the conformance suite then runs it.
import { expect, test } from 'vitest';
import { compileSpanFilter, compileTraceFilter } from '../../query/sql.js';
import { pgJson, positional, postgresDialect, storable } from './dialect.js';
import { rounds } from './write.js';
import { parseFilterExpression } from '../../query/fields.js';

test('filters compile to ILIKE, ->> and tsvector @@ with $n placeholders', () => {
  const { where, params } = compileTraceFilter(postgresDialect, 7, { name: 'a%b', q: 'hello world', metadata: { tier: 'gold' }, tags: ['x'] });
  const sql = positional(where.join(' AND '));
  expect(sql).toBe("t.project_id = $1 AND t.name ILIKE $2 ESCAPE '\\' AND EXISTS (SELECT 1 FROM trace_tags g WHERE g.trace_num = t.num AND g.tag = $3)"
    + " AND t.search @@ plainto_tsquery('simple', $4) AND (t.metadata ->> $5::text) = $6");
  expect(params).toEqual([7, '%a\\%b%', 'x', 'hello world', 'tier', 'gold']);
  const spans = compileSpanFilter(postgresDialect, 1, { metadata: { k: 'v' } });
  expect(positional(spans.where.join(' AND '))).toBe('s.project_id = $1 AND (s.metadata ->> $2::text) = $3');
});

test('positional() leaves quoted question marks alone', () => {
  expect(positional(`SELECT '?', "a?b", x FROM t WHERE a = ? AND b = 'it''s ?' AND c = ?`))
    .toBe(`SELECT '?', "a?b", x FROM t WHERE a = $1 AND b = 'it''s ?' AND c = $2`);
});

test('values PostgreSQL cannot hold as text are replaced, everything else is untouched', () => {
  expect(storable('a\0b')).toBe('a\uFFFDb');
  expect(storable('x\uD800y')).toBe('x\uFFFDy');
  expect(storable('ok 👋')).toBe('ok 👋');
  expect(JSON.parse(pgJson({ s: 'a\0b', t: ['\uDC00'], u: 'fine', n: 1 }))).toEqual({ s: 'a\uFFFDb', t: ['\uFFFD'], u: 'fine', n: 1 });
  const literal = { s: 'backslash \\u0000 text' };
  expect(JSON.parse(pgJson(literal))).toEqual(literal);
});

test('rounds() holds one part per key each, in arrival order', () => {
  const rows = [{ k: 'a', n: 1 }, { k: 'b', n: 1 }, { k: 'a', n: 2 }, { k: 'a', n: 3 }, { k: 'c', n: 1 }];
  expect(rounds(rows, (r) => r.k)).toEqual([
    [{ k: 'a', n: 1 }, { k: 'b', n: 1 }, { k: 'c', n: 1 }],
    [{ k: 'a', n: 2 }],
    [{ k: 'a', n: 3 }],
  ]);
});

test('expressions: numeric metadata reads JSON numbers only; a fractional number is typed as a float', () => {
  const expr = parseFilterExpression('metadata.seats > 2.5 and spanCount > 1.5 and errorCount = 0', 'trace');
  const { where, params } = compileTraceFilter(postgresDialect, 1, { expr });
  expect(positional(where.join(' AND '))).toBe('t.project_id = $1 AND ((SELECT CASE WHEN jsonb_typeof(j.v) = \'number\' THEN j.v::double precision END'
    + ' FROM (SELECT t.metadata -> $2::text AS v) j) > $3::double precision AND t.span_count > $4::double precision AND t.error_count = $5)');
  expect(params).toEqual([1, 'seats', 2.5, 1.5, 0]);
});
