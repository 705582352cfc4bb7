// Redaction rules: each built-in masks what it should and leaves its lookalikes, custom rules
// (fields, replacement, windows over long strings), the checks a PUT applies, and a batch.
import { describe, expect, test } from 'vitest';
import type { Batch } from '../../model/batch.js';
import {
  backtrackingRisk, compileRules, customRuleProblem, findMatches, ibanValid, looksRandom, luhnValid, redactBatch,
  redactString, RedactionRules, type BuiltinName, type CustomRule,
} from './index.js';

const only = (...names: BuiltinName[]) => compileRules(RedactionRules.parse({ builtins: Object.fromEntries(names.map((n) => [n, true])) }))!.all;
const custom = (...rules: Array<Partial<CustomRule> & { name: string; pattern: string }>) =>
  compileRules(RedactionRules.parse({ rules }))!;
const masks = (name: BuiltinName, text: string) => redactString(text, only(name));

describe('built-ins', () => {
  test.each<[BuiltinName, string, string]>([
    ['email', 'write to jane.doe+tag@mail.example.co.uk today', 'write to [REDACTED:email] today'],
    ['email', '<bob@example.com>', '<[REDACTED:email]>'],
    ['phone', 'call +44 20 7946 0958 now', 'call [REDACTED:phone] now'],
    ['phone', 'tel: +1-555-123-4567.', 'tel: [REDACTED:phone].'],
    ['phone', 'US (555) 123-4567 or 555.123.4567', 'US [REDACTED:phone] or [REDACTED:phone]'],
    ['phone', 'Paris 06 12 34 56 78', 'Paris [REDACTED:phone]'],
    ['card', 'card 4111 1111 1111 1111 exp 12/29', 'card [REDACTED:card] exp 12/29'],
    ['card', 'card=5555-5555-5555-4444', 'card=[REDACTED:card]'],
    ['card', 'amex 378282246310005', 'amex [REDACTED:card]'],
    ['iban', 'pay GB82 WEST 1234 5698 7654 32 please', 'pay [REDACTED:iban] please'],
    ['iban', 'DE89370400440532013000', '[REDACTED:iban]'],
    ['api_key', 'OPENAI_API_KEY=sk-proj-abcDEF1234567890ghijKLmn', 'OPENAI_API_KEY=[REDACTED:api_key]'],
    ['api_key', 'key lp_Q2hhbmdlIG1lIHRvIGEgcmVhbCBrZXk1', 'key [REDACTED:api_key]'],
    ['api_key', 'aws AKIAIOSFODNN7EXAMPLE', 'aws [REDACTED:api_key]'],
    ['api_key', 'token ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'token [REDACTED:api_key]'],
    ['api_key', 'Authorization: Bearer abc.DEF-123_456~xyz789', 'Authorization: Bearer [REDACTED:api_key]'],
    ['api_key', 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'jwt [REDACTED:api_key]'],
    ['token', 'secret: 9fK2xQ7LmP4vR8tZ1wY6bN3cJ5hD0gAs end', 'secret: [REDACTED:token] end'],
  ])('%s masks %s', (name, text, want) => {
    expect(masks(name, text)).toBe(want);
  });

  test.each<[BuiltinName, string]>([
    ['email', 'user@localhost and @mention and a@b'],
    ['phone', 'on 2024-01-15 at 10:30, version 1.2.3.4, 3.14159265, id 1234567890, order 12345'],
    ['phone', 'trace 5b8efff798038103d269b633813fc60c, port 4318'],
    ['card', 'id 4111111111111112 and 1234567890123456 and 9999 9999 9999 9995'],
    ['card', 'timestamp 1733542400000000 ns 1733542400000000000'],
    ['iban', 'GB82 WEST 1234 5698 7654 33 and DE00370400440532013000 and HTTP2 OK'],
    ['api_key', 'sk-short, task-list, disk-space-remaining, lp_x, AKIA123, bearer of news'],
    ['token', 'trace 5b8efff798038103d269b633813fc60c uuid 123e4567-e89b-12d3-a456-426614174000'],
    ['token', 'ThisIsAVeryLongCamelCaseIdentifierName and /usr/local/lib/node_modules/typescript/lib'],
  ])('%s leaves lookalikes: %s', (name, text) => {
    expect(masks(name, text)).toBe(text);
  });

  test('a base64 blob longer than a token is not a token', () => {
    const blob = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251)).toString('base64');
    expect(masks('token', `data:image/png;base64,${blob}`)).toBe(`data:image/png;base64,${blob}`);
  });

  test('checksums', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
    expect(looksRandom('9fK2xQ7LmP4vR8tZ1wY6bN3cJ5hD0gAs')).toBe(true);
    expect(looksRandom('5b8efff798038103d269b633813fc60c')).toBe(false);
  });

  test('overlaps: the earliest match wins, then the rule listed first', () => {
    const rules = only('email', 'api_key', 'token');
    expect(redactString('sk-abcDEF1234567890ghijKLmnOPQRstuv9 and a@b.io', rules)).toBe('[REDACTED:api_key] and [REDACTED:email]');
  });
});

describe('custom rules', () => {
  test('pattern, flags, replacement, counts', () => {
    const c = custom({ name: 'ticket', pattern: 'ticket-\\d{4,8}', flags: 'i', replacement: '<ticket>' });
    const counts = new Map<string, number>();
    expect(redactString('TICKET-1234 and ticket-98765', c.all, counts)).toBe('<ticket> and <ticket>');
    expect(counts.get('ticket')).toBe(2);
  });

  test('a match is found wherever it falls in a long string (windows overlap)', () => {
    const c = custom({ name: 'code', pattern: 'CODE-[0-9]{6}' });
    for (const at of [0, 3_830, 3_835, 3_840, 3_845, 4_090, 20_000, 99_989]) {
      const s = `${'x'.repeat(at)}CODE-123456${'y'.repeat(100_000 - at)}`;
      const m = findMatches(s, c.all);
      expect(m, `at ${at}`).toEqual([{ rule: 'code', start: at, end: at + 11 }]);
    }
  });

  test('fields: a rule limited to input leaves metadata', () => {
    const c = custom({ name: 'n', pattern: 'secret\\w+', fields: ['input'] });
    const batch: Batch = { traces: [{ id: 't', input: 'secretABC', metadata: { k: 'secretABC' } }], spans: [], scores: [] };
    redactBatch(batch, c);
    expect(batch.traces[0].input).toBe('[REDACTED:n]');
    expect(batch.traces[0].metadata).toEqual({ k: 'secretABC' });
  });

  test.each([
    ['(a', 'invalid regular expression'],
    ['a*', 'matches the empty string'],
    ['(a+)+b', 'backtrack catastrophically'],
    ['(\\w+\\s?)*x', 'backtrack catastrophically'],
    ['(a|ab)*c', 'backtrack catastrophically'],
    ['(x)\\1', 'back-reference'],
    ['a*a*a*a*a*b', 'too slow'],
  ])('refused: %s', (pattern, why) => {
    expect(customRuleProblem({ name: 'r', pattern, flags: '' })).toContain(why);
  });

  test.each(['sk-[A-Za-z0-9]{20,}', '(?:foo|bar)-\\d{1,8}', '\\b(\\d{3})-\\d{4}\\b', '[a-z]+@corp\\.example'])('accepted: %s', (pattern) => {
    expect(customRuleProblem({ name: 'r', pattern, flags: '' })).toBeNull();
    expect(backtrackingRisk(pattern)).toBeNull();
  });
});

test('redactBatch: every free-text part of traces, spans and scores; ids and names untouched', () => {
  const secret = 'jane@example.com';
  const batch: Batch = {
    traces: [{ id: 't1', name: 'chat', input: { messages: [{ role: 'user', content: `I am ${secret}` }] }, output: secret, metadata: { who: secret } }],
    spans: [{
      id: 's1', traceId: 't1', name: 'llm', input: [{ role: 'user', content: secret }], output: { text: secret }, metadata: { m: [secret] },
      attributes: { 'input.value': `{"q":"${secret}"}` }, events: [{ name: 'exception', attributes: { 'exception.message': `bad ${secret}` } }], error: `failed for ${secret}`,
    }],
    scores: [{ id: 'sc', traceId: 't1', name: 'thumbs', value: 1, comment: `from ${secret}`, source: 'user', createdAt: 1 }],
  };
  const counts = redactBatch(batch, compileRules(RedactionRules.parse({ builtins: { email: true } }))!);
  expect(JSON.stringify(batch)).not.toContain(secret);
  expect(counts.get('email')).toBe(10);
  expect(batch.traces[0].id).toBe('t1');
  expect(batch.spans[0].events![0].name).toBe('exception');
});

test('nothing on compiles to null (the pipeline then skips redaction)', () => {
  expect(compileRules(RedactionRules.parse({}))).toBeNull();
});
