// OTLP feedback -> scores: OpenInference annotations and GenAI evaluation events, against a golden file.
import { expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { otlpAdapter } from '../../src/ingest/otlp/index.js';

const dir = new URL('../fixtures/otlp-feedback/', import.meta.url);

test('annotations and gen_ai.evaluation.result events become the expected scores', () => {
  const { batch, rejected } = otlpAdapter(readFileSync(new URL('annotations-and-evaluations.json', dir)), 'json');
  expect(rejected).toEqual([]);
  const expected = JSON.parse(readFileSync(new URL('annotations-and-evaluations.scores.json', dir), 'utf8'));
  expect(batch.scores).toEqual(expected);
});

test('the same export maps to the same score ids (a re-send is idempotent)', () => {
  const body = readFileSync(new URL('annotations-and-evaluations.json', dir));
  expect(otlpAdapter(body, 'json').batch.scores.map((s) => s.id)).toEqual(otlpAdapter(body, 'json').batch.scores.map((s) => s.id));
});

test('spans without feedback carry no scores', () => {
  const body = readFileSync(new URL('../fixtures/examples/03-otlp-genai-chat-tool-calls.json', import.meta.url));
  expect(otlpAdapter(body, 'json').batch.scores).toEqual([]);
});
