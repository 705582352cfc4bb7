// Read shapes of the rollups kept at write time: a session (conversation) and a user, with what
// their traces add up to. Sessions and users exist only through their traces.
import { z } from 'zod';
import { Trace } from './schemas.js';

const Iso = z.string().describe('ISO 8601 time');

export const Session = z.object({
  id: z.string(),
  traceCount: z.number().int(),
  /** Start of the first trace and of the latest one. */
  firstTime: Iso.nullable(),
  lastTime: Iso.nullable(),
  userIds: z.array(z.string()),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  totalTokens: z.number().int(),
  /** Sum over the traces that carry a cost; null when none does. */
  costUsd: z.number().nullable(),
  /** Traces whose status is error. */
  errorCount: z.number().int(),
});
export type Session = z.infer<typeof Session>;

export const UserScoreSummary = z.object({
  name: z.string(),
  count: z.number().int(),
  /** Mean of the numeric and boolean values (true = 1); null when every value is categorical. */
  mean: z.number().nullable(),
  /** Categorical values and how often each was given. */
  values: z.record(z.string(), z.number().int()),
});
export type UserScoreSummary = z.infer<typeof UserScoreSummary>;

export const User = z.object({
  id: z.string(),
  traceCount: z.number().int(),
  sessionCount: z.number().int(),
  firstSeen: Iso.nullable(),
  lastSeen: Iso.nullable(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  totalTokens: z.number().int(),
  costUsd: z.number().nullable(),
  errorCount: z.number().int(),
  scoreCount: z.number().int(),
  scores: z.array(UserScoreSummary),
});
export type User = z.infer<typeof User>;

export const SessionDetail = z.object({
  session: Session,
  /** The session's traces in time order (oldest first), each with its input and output. */
  traces: z.array(Trace),
  nextCursor: z.string().nullable(),
});
export type SessionDetail = z.infer<typeof SessionDetail>;
