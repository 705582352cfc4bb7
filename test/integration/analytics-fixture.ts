// A fixed data set for the sessions, users, scores and filter tests, with every expected value
// worked out by hand in the comments (durations, tokens, costs, counts).
export const T0 = '2024-01-01T';

// traces: t1-t3 in session s1 (alice, alice, bob), t4 in s2 (bob), t5 carol without session, t6 nobody
export const TRACES = [
  { id: 't1', name: 'turn 1', sessionId: 's1', userId: 'alice', startTime: `${T0}10:00:00Z`, input: 'What is Loupe?', output: 'A trace store.', metadata: { customer: 'acme', seats: 12 }, tags: ['beta'] },
  { id: 't2', name: 'turn 2', sessionId: 's1', userId: 'alice', startTime: `${T0}10:05:00Z`, input: 'Does it do sessions?', output: 'Yes.', metadata: { customer: 'acme', seats: 3 } },
  { id: 't3', name: 'turn 3', sessionId: 's1', userId: 'bob', startTime: `${T0}10:10:00Z`, input: 'And users?', output: 'Those too.', metadata: { customer: 'globex' } },
  { id: 't4', name: 'other chat', sessionId: 's2', userId: 'bob', startTime: `${T0}11:00:00Z` },
  { id: 't5', name: 'one-off', userId: 'carol', startTime: `${T0}12:00:00Z`, metadata: { customer: 'acme' } },
  { id: 't6', name: 'cron', startTime: `${T0}12:30:00Z` },
];

// durations (ms): t1 1500, t2 3000, t3 2000 (error: e3), t4 2000, t5 500, t6 100
export const SPANS = [
  { id: 'l1', traceId: 't1', kind: 'llm', model: 'gpt-4o', startTime: `${T0}10:00:00Z`, endTime: `${T0}10:00:01.500Z`, usage: { inputTokens: 100, outputTokens: 20 }, costUsd: 0.002 },
  { id: 'l2', traceId: 't2', kind: 'llm', model: 'gpt-4o', startTime: `${T0}10:05:00Z`, endTime: `${T0}10:05:03Z`, usage: { inputTokens: 200, outputTokens: 40 }, costUsd: 0.004 },
  { id: 'l3', traceId: 't3', kind: 'llm', model: 'claude-3-5-sonnet', startTime: `${T0}10:10:00Z`, endTime: `${T0}10:10:01Z`, usage: { inputTokens: 50, outputTokens: 10 } },
  { id: 'e3', traceId: 't3', kind: 'tool', name: 'search', status: 'error', error: 'timeout', startTime: `${T0}10:10:01Z`, endTime: `${T0}10:10:02Z` },
  { id: 'l4', traceId: 't4', kind: 'llm', model: 'gpt-4o', startTime: `${T0}11:00:00Z`, endTime: `${T0}11:00:02Z`, usage: { inputTokens: 300, outputTokens: 60 }, costUsd: 0.01 },
  { id: 'l5', traceId: 't5', kind: 'llm', model: 'gpt-4o-mini', startTime: `${T0}12:00:00Z`, endTime: `${T0}12:00:00.500Z`, usage: { inputTokens: 10, outputTokens: 5 }, costUsd: 0.001 },
  { id: 'k6', traceId: 't6', kind: 'tool', startTime: `${T0}12:30:00Z`, endTime: `${T0}12:30:00.100Z` },
];

// thumbs: t1 up, t2 down, t3 down (user); rating: t1 5, t2 3, t4 4 (api); helpful: t2 true, t4 false (eval)
export const SCORES = [
  { traceId: 't1', name: 'thumbs', value: 'up', source: 'user', comment: 'clear', createdAt: `${T0}13:00:00Z` },
  { traceId: 't2', name: 'thumbs', value: 'down', source: 'user', createdAt: `${T0}13:00:01Z` },
  { traceId: 't3', name: 'thumbs', value: 'down', source: 'user', createdAt: `${T0}13:00:02Z` },
  { traceId: 't1', spanId: 'l1', name: 'rating', value: 5, source: 'api', createdAt: `${T0}13:00:03Z` },
  { traceId: 't2', name: 'rating', value: 3, source: 'api', createdAt: `${T0}13:00:04Z` },
  { traceId: 't4', name: 'rating', value: 4, source: 'api', createdAt: `${T0}13:00:05Z` },
  { traceId: 't2', name: 'helpful', value: true, source: 'eval', createdAt: `${T0}13:00:06Z` },
  { traceId: 't4', name: 'helpful', value: false, source: 'eval', createdAt: `${T0}13:00:07Z` },
];

const iso = (hms: string) => `${T0}${hms}.000000Z`;

// s1 = t1+t2+t3: tokens in 100+200+50=350, out 20+40+10=70, total 420; cost 0.002+0.004 (t3 none) = 0.006; t3 errs
export const S1 = { id: 's1', traceCount: 3, firstTime: iso('10:00:00'), lastTime: iso('10:10:00'), userIds: ['alice', 'bob'], inputTokens: 350, outputTokens: 70, totalTokens: 420, costUsd: 0.006, errorCount: 1 };
export const S2 = { id: 's2', traceCount: 1, firstTime: iso('11:00:00'), lastTime: iso('11:00:00'), userIds: ['bob'], inputTokens: 300, outputTokens: 60, totalTokens: 360, costUsd: 0.01, errorCount: 0 };

// alice = t1+t2; bob = t3+t4 (sessions s1, s2); carol = t5
export const ALICE = {
  id: 'alice', traceCount: 2, sessionCount: 1, firstSeen: iso('10:00:00'), lastSeen: iso('10:05:00'), inputTokens: 300, outputTokens: 60, totalTokens: 360,
  costUsd: 0.006, errorCount: 0, scoreCount: 5,
  scores: [
    { name: 'helpful', count: 1, mean: 1, values: {} },
    { name: 'rating', count: 2, mean: 4, values: {} },
    { name: 'thumbs', count: 2, mean: null, values: { down: 1, up: 1 } },
  ],
};
export const BOB = {
  id: 'bob', traceCount: 2, sessionCount: 2, firstSeen: iso('10:10:00'), lastSeen: iso('11:00:00'), inputTokens: 350, outputTokens: 70, totalTokens: 420,
  costUsd: 0.01, errorCount: 1, scoreCount: 3,
  scores: [
    { name: 'helpful', count: 1, mean: 0, values: {} },
    { name: 'rating', count: 1, mean: 4, values: {} },
    { name: 'thumbs', count: 1, mean: null, values: { down: 1 } },
  ],
};
export const CAROL = {
  id: 'carol', traceCount: 1, sessionCount: 0, firstSeen: iso('12:00:00'), lastSeen: iso('12:00:00'), inputTokens: 10, outputTokens: 5, totalTokens: 15,
  costUsd: 0.001, errorCount: 0, scoreCount: 0, scores: [],
};
