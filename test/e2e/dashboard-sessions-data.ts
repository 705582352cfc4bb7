// What the sessions and users browser tests read: conversations sent through the native API, each
// turn a trace of a root span and an LLM span under it (tokens, cost) and inputs and outputs in the shapes apps leave:
// plain strings, chat-message arrays, one {role, content} message, a whole request ({messages})
// and response ({choices}), content parts; scores of every kind, one of them on a span; and one
// long session of LONG_TURNS turns.
export const LONG_TURNS = 130;

export const TRIP = 'sess-trip';
export const REFUND = 'sess-refund';
export const LONG = 'sess-long';
export const MARIA = 'u-maria';
export const OMAR = 'u-omar';

interface Turn {
  id: string;
  sessionId?: string;
  userId: string;
  input: unknown;
  output: unknown;
  status?: 'success' | 'error';
  ms: number;
  tokens: [number, number];
  cost: number;
}

/** The words each trip turn shows as its user and assistant bubbles, in order. */
export const TRIP_TEXT: Array<[string, string]> = [
  ['Plan a weekend in Lisbon for two.', 'Day one: Alfama and the castle; day two: Belém and a fado evening.'],
  ['Which neighbourhood should we stay in?', 'Stay in Chiado: central, walkable, and close to the trams.'],
  ['Is it rainy in March?', 'March has about ten rainy days; pack a light rain jacket.'],
  ['Book the fado show for Saturday.', ''],
];

export const TRIP_IDS = ['trip-1', 'trip-2', 'trip-3', 'trip-4'];
export const TRIP_SPAN = 'trip-2-llm';

function tripTurns(): Turn[] {
  const [t1, t2, t3, t4] = TRIP_TEXT;
  return [
    { id: TRIP_IDS[0], sessionId: TRIP, userId: MARIA, input: t1[0], output: t1[1], ms: 1840, tokens: [120, 48], cost: 0.0021 },
    {
      id: TRIP_IDS[1], sessionId: TRIP, userId: MARIA, ms: 920, tokens: [310, 40], cost: 0.0034,
      input: [{ role: 'system', content: 'You are a travel planner.' }, { role: 'user', content: t1[0] }, { role: 'assistant', content: t1[1] }, { role: 'user', content: t2[0] }],
      output: { role: 'assistant', content: t2[1] },
    },
    {
      id: TRIP_IDS[2], sessionId: TRIP, userId: MARIA, ms: 2650, tokens: [402, 31], cost: 0.0042,
      input: { model: 'gpt-4o-mini', temperature: 0.3, messages: [{ role: 'user', content: [{ type: 'text', text: t3[0] }] }] },
      output: { id: 'chatcmpl-1', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: t3[1] } }] },
    },
    { id: TRIP_IDS[3], sessionId: TRIP, userId: MARIA, input: JSON.stringify([{ role: 'user', content: t4[0] }]), output: null, status: 'error', ms: 5003, tokens: [90, 0], cost: 0.0009 },
  ];
}

function refundTurns(): Turn[] {
  return [
    { id: 'refund-1', sessionId: REFUND, userId: OMAR, input: 'I was charged twice for order 8812.', output: 'Sorry about that. I can see two charges on order 8812.', ms: 1200, tokens: [150, 30], cost: 0.0015 },
    { id: 'refund-2', sessionId: REFUND, userId: OMAR, input: { question: 'Can you refund one of them?' }, output: { answer: 'Done: one charge of 42.00 EUR is refunded.' }, ms: 2100, tokens: [210, 25], cost: 0.0022 },
    { id: 'refund-3', sessionId: REFUND, userId: OMAR, input: 'Thanks!', output: 'You are welcome.', ms: 400, tokens: [40, 8], cost: 0.0003 },
  ];
}

function longTurns(): Turn[] {
  return Array.from({ length: LONG_TURNS }, (_, i) => ({
    id: `long-${String(i + 1).padStart(3, '0')}`, sessionId: LONG, userId: MARIA,
    input: [{ role: 'user', content: `Question number ${i + 1}` }], output: [{ role: 'assistant', content: `Answer number ${i + 1}` }],
    ms: 300 + (i % 7) * 100, tokens: [50 + i, 10], cost: 0.0001,
  }));
}

/** Native ingest batches (each under the batch limits) for every conversation, starting at startMs. */
export function sessionBatches(startMs: number): Array<Record<string, unknown>> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const batch = (turns: Turn[], t0: number, gap: number) => {
    const traces: unknown[] = [];
    const spans: unknown[] = [];
    turns.forEach((t, i) => {
      const start = t0 + i * gap;
      traces.push({ id: t.id, name: 'chat-turn', status: t.status ?? 'success', startTime: iso(start), endTime: iso(start + t.ms), input: t.input, output: t.output, userId: t.userId, ...(t.sessionId ? { sessionId: t.sessionId } : {}) });
      // A root that is not the scored span, so a link to the LLM span has to select it.
      spans.push({ id: `${t.id}-root`, traceId: t.id, name: 'chat-turn', kind: 'chain', status: t.status === 'error' ? 'error' : 'ok', startTime: iso(start), endTime: iso(start + t.ms), input: t.input, output: t.output });
      spans.push({
        id: `${t.id}-llm`, traceId: t.id, parentId: `${t.id}-root`, name: 'llm-call', kind: 'llm', model: 'gpt-4o-mini', provider: 'openai', status: t.status === 'error' ? 'error' : 'ok',
        ...(t.status === 'error' ? { error: 'upstream timeout' } : {}),
        startTime: iso(start + 5), endTime: iso(start + t.ms - 5), input: t.input, output: t.output,
        usage: { inputTokens: t.tokens[0], outputTokens: t.tokens[1], totalTokens: t.tokens[0] + t.tokens[1] }, costUsd: t.cost,
      });
    });
    return { traces, spans };
  };
  const long = longTurns();
  return [
    {
      ...batch(tripTurns(), startMs, 60_000),
      scores: [
        { traceId: TRIP_IDS[0], name: 'thumbs', value: 'up', source: 'user' },
        { traceId: TRIP_IDS[1], name: 'helpfulness', value: 0.8, source: 'eval' },
        { traceId: TRIP_IDS[1], spanId: TRIP_SPAN, name: 'faithfulness', value: 0.5, source: 'eval', comment: 'the tram claim is unsupported' },
        { traceId: TRIP_IDS[2], name: 'tone', value: 'friendly', source: 'eval' },
        { traceId: TRIP_IDS[3], name: 'thumbs', value: 'down', source: 'user', comment: 'never booked' },
      ],
    },
    { ...batch(refundTurns(), startMs + 200_000, 45_000), scores: [{ traceId: 'refund-2', name: 'resolved', value: true, source: 'api' }] },
    batch([{ id: 'omar-solo', userId: OMAR, input: 'What are your opening hours?', output: 'Nine to five, Monday to Friday.', ms: 500, tokens: [20, 9], cost: 0.0002 }], startMs + 400_000, 1),
    batch(long.slice(0, 65), startMs - 3_600_000, 1000),
    batch(long.slice(65), startMs - 3_600_000 + 65_000, 1000),
  ];
}
