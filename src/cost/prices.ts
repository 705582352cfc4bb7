// The built-in model price table: vendor list prices (standard tier, no batch discount) in USD,
// written per million tokens for reading and converted to per token. Where a vendor tiers by
// prompt length (Gemini Pro above 128k/200k) the lower tier is used. A project overrides or adds
// prices through PUT /api/v1/prices; those win over these for the same pattern.
// Source: the vendors' public pricing pages as last known, checked 2025-11 (OpenAI, Anthropic,
// Google AI Studio, Mistral La Plateforme, DeepSeek); Meta publishes no first-party API price,
// so Llama entries use common hosted list prices (Together AI, 2025-11) as a reasonable default.
import type { ModelPrice } from './types.js';
import { microsFromIso } from '../model/time.js';

interface Row {
  /** Patterns naming the model (aliases, e.g. Bedrock's `llama3-1-70b`). */
  models: string[];
  /** USD per million tokens. */
  input: number;
  output: number;
  cacheRead?: number;
  /** YYYY-MM-DD (UTC) from which this price applies. */
  from: string;
}

const ROWS: Row[] = [
  // ---- OpenAI ----
  { models: ['gpt-4o'], input: 5, output: 15, from: '2024-05-13' },
  { models: ['gpt-4o'], input: 2.5, output: 10, cacheRead: 1.25, from: '2024-08-06' },
  // The first snapshot kept its launch price after the family's cut.
  { models: ['gpt-4o-2024-05-13'], input: 5, output: 15, from: '2024-05-13' },
  { models: ['gpt-4o-mini'], input: 0.15, output: 0.6, cacheRead: 0.075, from: '2024-07-18' },
  { models: ['gpt-4.1'], input: 2, output: 8, cacheRead: 0.5, from: '2025-04-14' },
  { models: ['gpt-4.1-mini'], input: 0.4, output: 1.6, cacheRead: 0.1, from: '2025-04-14' },
  { models: ['gpt-4.1-nano'], input: 0.1, output: 0.4, cacheRead: 0.025, from: '2025-04-14' },
  { models: ['gpt-4-turbo'], input: 10, output: 30, from: '2024-04-09' },
  { models: ['gpt-4'], input: 30, output: 60, from: '2023-03-14' },
  { models: ['gpt-3.5-turbo'], input: 0.5, output: 1.5, from: '2024-01-25' },
  { models: ['o1', 'o1-preview'], input: 15, output: 60, cacheRead: 7.5, from: '2024-09-12' },
  { models: ['o1-mini'], input: 1.1, output: 4.4, cacheRead: 0.55, from: '2024-09-12' },
  { models: ['o1-pro'], input: 150, output: 600, from: '2025-03-19' },
  { models: ['o3'], input: 10, output: 40, cacheRead: 2.5, from: '2025-04-16' },
  { models: ['o3'], input: 2, output: 8, cacheRead: 0.5, from: '2025-06-10' },
  { models: ['o3-pro'], input: 20, output: 80, from: '2025-06-10' },
  { models: ['o3-mini'], input: 1.1, output: 4.4, cacheRead: 0.55, from: '2025-01-31' },
  { models: ['o4-mini'], input: 1.1, output: 4.4, cacheRead: 0.275, from: '2025-04-16' },
  { models: ['gpt-5'], input: 1.25, output: 10, cacheRead: 0.125, from: '2025-08-07' },
  { models: ['gpt-5-mini'], input: 0.25, output: 2, cacheRead: 0.025, from: '2025-08-07' },
  { models: ['gpt-5-nano'], input: 0.05, output: 0.4, cacheRead: 0.005, from: '2025-08-07' },
  { models: ['gpt-5-pro'], input: 15, output: 120, from: '2025-10-06' },
  { models: ['gpt-5.1'], input: 1.25, output: 10, cacheRead: 0.125, from: '2025-11-13' },
  { models: ['text-embedding-3-small'], input: 0.02, output: 0, from: '2024-01-25' },
  { models: ['text-embedding-3-large'], input: 0.13, output: 0, from: '2024-01-25' },
  { models: ['text-embedding-ada-002'], input: 0.1, output: 0, from: '2022-12-15' },

  // ---- Anthropic (cache reads at 0.1x input) ----
  { models: ['claude-3-haiku'], input: 0.25, output: 1.25, cacheRead: 0.03, from: '2024-03-07' },
  { models: ['claude-3-opus'], input: 15, output: 75, cacheRead: 1.5, from: '2024-02-29' },
  { models: ['claude-3-sonnet'], input: 3, output: 15, cacheRead: 0.3, from: '2024-02-29' },
  { models: ['claude-3-5-sonnet'], input: 3, output: 15, cacheRead: 0.3, from: '2024-06-20' },
  { models: ['claude-3-5-haiku'], input: 0.8, output: 4, cacheRead: 0.08, from: '2024-10-22' },
  { models: ['claude-3-7-sonnet'], input: 3, output: 15, cacheRead: 0.3, from: '2025-02-24' },
  { models: ['claude-sonnet-4', 'claude-4-sonnet'], input: 3, output: 15, cacheRead: 0.3, from: '2025-05-22' },
  { models: ['claude-opus-4', 'claude-4-opus'], input: 15, output: 75, cacheRead: 1.5, from: '2025-05-22' },
  { models: ['claude-opus-4-1'], input: 15, output: 75, cacheRead: 1.5, from: '2025-08-05' },
  { models: ['claude-sonnet-4-5'], input: 3, output: 15, cacheRead: 0.3, from: '2025-09-29' },
  { models: ['claude-haiku-4-5'], input: 1, output: 5, cacheRead: 0.1, from: '2025-10-15' },
  { models: ['claude-opus-4-5'], input: 5, output: 25, cacheRead: 0.5, from: '2025-11-24' },

  // ---- Google (Gemini API, prompts up to 128k / 200k tokens) ----
  { models: ['gemini-1.5-pro'], input: 1.25, output: 5, cacheRead: 0.3125, from: '2024-10-01' },
  { models: ['gemini-1.5-flash'], input: 0.075, output: 0.3, cacheRead: 0.01875, from: '2024-08-12' },
  { models: ['gemini-1.5-flash-8b'], input: 0.0375, output: 0.15, cacheRead: 0.01, from: '2024-10-03' },
  { models: ['gemini-2.0-flash'], input: 0.1, output: 0.4, cacheRead: 0.025, from: '2025-02-05' },
  { models: ['gemini-2.0-flash-lite'], input: 0.075, output: 0.3, from: '2025-02-25' },
  { models: ['gemini-2.5-pro'], input: 1.25, output: 10, cacheRead: 0.125, from: '2025-03-25' },
  { models: ['gemini-2.5-flash'], input: 0.3, output: 2.5, cacheRead: 0.03, from: '2025-06-17' },
  { models: ['gemini-2.5-flash-lite'], input: 0.1, output: 0.4, cacheRead: 0.01, from: '2025-06-17' },

  // ---- Mistral ----
  { models: ['mistral-large'], input: 2, output: 6, from: '2024-11-18' },
  { models: ['mistral-medium'], input: 0.4, output: 2, from: '2025-05-07' },
  { models: ['mistral-small'], input: 0.1, output: 0.3, from: '2025-03-17' },
  { models: ['codestral'], input: 0.3, output: 0.9, from: '2025-01-13' },
  { models: ['ministral-8b'], input: 0.1, output: 0.1, from: '2024-10-16' },
  { models: ['ministral-3b'], input: 0.04, output: 0.04, from: '2024-10-16' },
  { models: ['open-mistral-nemo', 'mistral-nemo'], input: 0.15, output: 0.15, from: '2024-07-18' },
  { models: ['pixtral-large'], input: 2, output: 6, from: '2024-11-18' },

  // ---- Meta Llama (hosted list prices; see the header) ----
  { models: ['llama-3.1-8b', 'llama3-1-8b', 'llama-3-8b', 'llama3-8b'], input: 0.18, output: 0.18, from: '2024-07-23' },
  { models: ['llama-3.1-70b', 'llama3-1-70b', 'llama-3-70b', 'llama3-70b'], input: 0.88, output: 0.88, from: '2024-07-23' },
  { models: ['llama-3.1-405b', 'llama3-1-405b'], input: 3.5, output: 3.5, from: '2024-07-23' },
  { models: ['llama-3.2-3b', 'llama3-2-3b'], input: 0.06, output: 0.06, from: '2024-09-25' },
  { models: ['llama-3.2-11b', 'llama3-2-11b'], input: 0.18, output: 0.18, from: '2024-09-25' },
  { models: ['llama-3.2-90b', 'llama3-2-90b'], input: 1.2, output: 1.2, from: '2024-09-25' },
  { models: ['llama-3.3-70b', 'llama3-3-70b'], input: 0.88, output: 0.88, from: '2024-12-06' },
  { models: ['llama-4-scout'], input: 0.18, output: 0.59, from: '2025-04-05' },
  { models: ['llama-4-maverick'], input: 0.27, output: 0.85, from: '2025-04-05' },

  // ---- DeepSeek (cache read = "cache hit" input price) ----
  { models: ['deepseek-chat'], input: 0.27, output: 1.1, cacheRead: 0.07, from: '2025-02-08' },
  { models: ['deepseek-reasoner'], input: 0.55, output: 2.19, cacheRead: 0.14, from: '2025-01-20' },
  // V3.1 unified both endpoints' prices, V3.2 cut them.
  { models: ['deepseek-chat', 'deepseek-reasoner'], input: 0.56, output: 1.68, cacheRead: 0.07, from: '2025-09-05' },
  { models: ['deepseek-chat', 'deepseek-reasoner'], input: 0.28, output: 0.42, cacheRead: 0.028, from: '2025-09-29' },
];

const perToken = (perMillion: number) => perMillion / 1_000_000;

/** The built-in table, one entry per (pattern, effective date). */
export const BUILTIN_PRICES: readonly ModelPrice[] = ROWS.flatMap((r) =>
  r.models.map((modelPattern): ModelPrice => ({
    modelPattern,
    inputPrice: perToken(r.input),
    outputPrice: perToken(r.output),
    ...(r.cacheRead === undefined ? {} : { cacheReadPrice: perToken(r.cacheRead) }),
    effectiveFrom: microsFromIso(`${r.from}T00:00:00Z`) as number,
  })),
);
