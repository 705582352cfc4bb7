// The attribute conventions in precedence order: the first to set a field wins (wire-formats.md
// §5B/C). A new convention is a new mapper placed where its precedence belongs.
import type { ConventionMapper } from '../draft.js';
import { fallback } from './fallback.js';
import { genAi } from './genai.js';
import { openInference } from './openinference.js';
import { traceloop } from './traceloop.js';
import { vercel } from './vercel.js';

export const CONVENTIONS: readonly ConventionMapper[] = [openInference, genAi, traceloop, vercel, fallback];
