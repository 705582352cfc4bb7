// What the demo's apps talk about: models with their prices, system prompts, tools, a knowledge
// base, and a text generator. Shared prompts and documents repeat across traces, as in real apps.
import type { Rng } from './rng.js';

export interface DemoModel {
  name: string;
  provider: string;
  /** USD per million input / output tokens. */
  inPrice: number;
  outPrice: number;
  /** Output tokens per second, for plausible latencies. */
  speed: number;
  reasoning?: boolean;
  cache?: boolean;
}

export const CHAT_MODELS: ReadonlyArray<readonly [DemoModel, number]> = [
  [{ name: 'gpt-4o-2024-08-06', provider: 'openai', inPrice: 2.5, outPrice: 10, speed: 80, cache: true }, 5],
  [{ name: 'gpt-4o-mini-2024-07-18', provider: 'openai', inPrice: 0.15, outPrice: 0.6, speed: 120, cache: true }, 6],
  [{ name: 'o3-mini-2025-01-31', provider: 'openai', inPrice: 1.1, outPrice: 4.4, speed: 90, reasoning: true }, 2],
  [{ name: 'claude-3-5-sonnet-20241022', provider: 'anthropic', inPrice: 3, outPrice: 15, speed: 70, cache: true }, 4],
  [{ name: 'claude-3-5-haiku-20241022', provider: 'anthropic', inPrice: 0.8, outPrice: 4, speed: 110 }, 3],
  [{ name: 'gemini-2.0-flash', provider: 'google', inPrice: 0.1, outPrice: 0.4, speed: 150 }, 4],
  [{ name: 'gemini-1.5-pro-002', provider: 'google', inPrice: 1.25, outPrice: 5, speed: 60 }, 1],
  [{ name: 'mistral-large-2411', provider: 'mistralai', inPrice: 2, outPrice: 6, speed: 60 }, 1],
];

export const EMBEDDING_MODEL = 'text-embedding-3-small';
export const RERANK_MODEL = 'rerank-english-v3.0';

const WORDS = (`account billing invoice refund subscription plan upgrade downgrade order shipment delivery tracking
  address customer support ticket request issue error timeout latency deployment cluster region database index query
  cache token limit quota usage report dashboard export import integration webhook endpoint payload schema field
  version release feature flag rollout policy security password reset login session device browser mobile app
  notification email message template workflow pipeline job schedule retry queue worker batch stream event metric
  trace span log alert incident outage status page service contract renewal discount coupon tax currency payment card
  bank transfer statement balance credit debit warranty return exchange product catalog inventory warehouse supplier
  the a an this that these those it they we you our your their is are was were be been has have had will would can
  could should may might must not and or but if then because so when while after before during within without about
  for from into onto over under between across through with by of to in on at as per via`).split(/\s+/).filter(Boolean);

const VERBS = ['check', 'update', 'confirm', 'verify', 'review', 'escalate', 'explain', 'compare', 'summarise', 'resolve', 'schedule', 'cancel', 'migrate', 'configure', 'investigate'];

/** A sentence of `min`–`max` words, capitalised, with a full stop. */
export function sentence(rng: Rng, min = 8, max = 20): string {
  const n = rng.int(min, max);
  const words: string[] = [rng.pick(VERBS)];
  for (let i = 1; i < n; i++) words.push(rng.pick(WORDS));
  const s = words.join(' ');
  return `${s[0].toUpperCase()}${s.slice(1)}.`;
}

/** Prose of roughly `chars` characters. */
export function prose(rng: Rng, chars: number): string {
  const parts: string[] = [];
  let len = 0;
  while (len < chars) {
    const s = sentence(rng);
    parts.push(s);
    len += s.length + 1;
  }
  return parts.join(' ');
}

export interface DemoApp {
  name: string;
  service: string;
  system: string;
}

/** A handful of apps, each with one long system prompt that every call repeats. */
export function apps(seed: Rng): DemoApp[] {
  const names: Array<[string, string]> = [
    ['support-assistant', 'support-api'], ['billing-helper', 'billing-api'], ['docs-qa', 'docs-search'],
    ['ops-copilot', 'ops-agent'], ['sales-assistant', 'crm-api'], ['code-reviewer', 'review-bot'],
  ];
  return names.map(([name, service]) => ({
    name,
    service,
    system: `You are ${name}, a careful assistant for Acme Corp. ${prose(seed, seed.int(300, 800))} Always cite the knowledge base when you use it, never invent order numbers, and hand over to a human when the customer asks for one.`,
  }));
}

/** Knowledge-base document `n`: the same text every time it is retrieved. */
export function kbDoc(seed: number, n: number, rngFor: (...s: number[]) => Rng): { id: string; content: string } {
  const rng = rngFor(seed, 0x6b62, n);
  return { id: `kb-${String(n).padStart(5, '0')}`, content: `# ${sentence(rng, 3, 6)}\n\n${prose(rng, rng.int(200, 600))}` };
}

export const KB_SIZE = 2000;

export interface DemoTool {
  name: string;
  description: string;
  args(rng: Rng): Record<string, unknown>;
  result(rng: Rng, args: Record<string, unknown>): string;
  /** Chance that a call fails. */
  failure: number;
  errors: Array<[string, string]>;
}

const orderId = (rng: Rng) => `ORD-${rng.int(100000, 999999)}`;

export const TOOLS: DemoTool[] = [
  {
    name: 'get_order_status', description: 'Look up an order by id and return its status, items and shipping events.', failure: 0.05,
    errors: [['OrderNotFound', 'no order with this id']],
    args: (rng) => ({ order_id: orderId(rng) }),
    result: (rng, a) => JSON.stringify({ order_id: a.order_id, status: rng.pick(['processing', 'shipped', 'delivered', 'delayed']), items: Array.from({ length: rng.int(1, 4) }, () => ({ sku: `SKU-${rng.int(1000, 9999)}`, qty: rng.int(1, 3), title: sentence(rng, 3, 6) })), events: Array.from({ length: rng.int(1, 5) }, () => ({ at: `2025-0${rng.int(1, 9)}-1${rng.int(0, 9)}T1${rng.int(0, 9)}:00:00Z`, note: sentence(rng, 5, 12) })) }),
  },
  {
    name: 'search_knowledge_base', description: 'Full-text search over the help centre; returns the best matching articles.', failure: 0.02,
    errors: [['TimeoutError', 'search backend did not answer within 5s']],
    args: (rng) => ({ query: sentence(rng, 4, 9), limit: 5 }),
    result: (rng) => JSON.stringify(Array.from({ length: rng.int(2, 5) }, () => ({ id: `kb-${String(rng.int(0, KB_SIZE - 1)).padStart(5, '0')}`, title: sentence(rng, 3, 7), snippet: prose(rng, rng.int(100, 250)) }))),
  },
  {
    name: 'get_account', description: 'Fetch the customer account: plan, balance, renewal date and open tickets.', failure: 0.03,
    errors: [['PermissionDenied', 'the agent may not read accounts of another organisation']],
    args: (rng) => ({ account_id: `acct_${rng.hex(6)}` }),
    result: (rng, a) => JSON.stringify({ account_id: a.account_id, plan: rng.pick(['free', 'team', 'business', 'enterprise']), balance: rng.int(0, 50000) / 100, renews: `2026-0${rng.int(1, 9)}-01`, open_tickets: rng.int(0, 4), notes: prose(rng, rng.int(80, 300)) }),
  },
  {
    name: 'create_refund', description: 'Issue a refund for an order; amount in the order currency.', failure: 0.12,
    errors: [['RefundLimitExceeded', 'refund above the agent limit requires approval'], ['PaymentProviderError', 'upstream payment provider returned 502']],
    args: (rng) => ({ order_id: orderId(rng), amount: rng.int(500, 30000) / 100, reason: sentence(rng, 4, 10) }),
    result: (rng, a) => JSON.stringify({ refund_id: `re_${rng.hex(8)}`, order_id: a.order_id, amount: a.amount, status: 'pending' }),
  },
  {
    name: 'run_sql', description: 'Run a read-only SQL query on the analytics warehouse.', failure: 0.1,
    errors: [['SyntaxError', 'near "FROM": syntax error'], ['QueryTimeout', 'statement timeout after 30s']],
    args: (rng) => ({ sql: `SELECT ${rng.pick(['region', 'plan', 'status'])}, count(*) FROM ${rng.pick(['orders', 'accounts', 'tickets'])} WHERE created_at > now() - interval '${rng.int(1, 30)} days' GROUP BY 1` }),
    result: (rng) => JSON.stringify({ columns: ['key', 'count'], rows: Array.from({ length: rng.int(2, 12) }, () => [sentence(rng, 1, 2), rng.int(1, 10000)]) }),
  },
  {
    name: 'send_email', description: 'Send an email to the customer from a template.', failure: 0.04,
    errors: [['RateLimited', 'too many emails to this address today']],
    args: (rng) => ({ to: `user${rng.int(1, 999)}@example.com`, subject: sentence(rng, 3, 8), body: prose(rng, rng.int(200, 600)) }),
    result: (rng) => JSON.stringify({ message_id: `<${rng.hex(8)}@mail.acme.test>`, queued: true }),
  },
];

export const LLM_ERRORS: Array<[string, string]> = [
  ['RateLimitError', 'Error code: 429 - Rate limit reached for requests'],
  ['APITimeoutError', 'Request timed out after 60s'],
  ['InternalServerError', 'Error code: 529 - Overloaded'],
  ['BadRequestError', "Error code: 400 - This model's maximum context length is 128000 tokens"],
];
