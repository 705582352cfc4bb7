// Sending a reader's thumbs (and comment) as a score with source "user", shown at once in the
// trace's cached detail and then confirmed by a refetch of the detail and the lists.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../lib/api';
import { getKey } from '../lib/key';
import type { Score, TraceDetail, WhoAmI } from '../lib/types';

export const FEEDBACK_NAME = 'thumbs';
export type Thumb = 'up' | 'down';

export interface FeedbackInput {
  traceId: string;
  spanId: string | null;
  value: Thumb;
  comment: string;
}

/**
 * One thumbs score per trace or span from the dashboard: a fixed id, so changing one's mind or
 * adding a comment replaces the score instead of adding a second one (the API replaces a score
 * sent again with the same id).
 */
export const feedbackId = (traceId: string, spanId: string | null) => `ui-thumbs:${traceId}:${spanId ?? ''}`;

/** The dashboard's own thumbs on this trace or span, if any. */
export function ownFeedback(scores: Score[], traceId: string, spanId: string | null): Score | undefined {
  return scores.find((s) => s.id === feedbackId(traceId, spanId));
}

/** Whether the session's key may write scores (POST /api/v1/scores needs `ingest`). */
export function useCanScore(): boolean {
  const qc = useQueryClient();
  const me = qc.getQueryData<WhoAmI>(['whoami', getKey()]);
  return !me || me.scopes.includes('ingest') || me.scopes.includes('admin');
}

export function useSendFeedback(traceId: string) {
  const qc = useQueryClient();
  const key = ['trace', traceId];
  return useMutation({
    mutationFn: (f: FeedbackInput) => api<{ id: string }>('/api/v1/scores', {
      method: 'POST',
      body: JSON.stringify({
        id: feedbackId(f.traceId, f.spanId), traceId: f.traceId, ...(f.spanId ? { spanId: f.spanId } : {}),
        name: FEEDBACK_NAME, value: f.value, source: 'user', ...(f.comment.trim() ? { comment: f.comment.trim() } : {}),
      }),
    }),
    onMutate: async (f) => {
      await qc.cancelQueries({ queryKey: key });
      const before = qc.getQueryData<TraceDetail>(key);
      if (before) {
        const id = feedbackId(f.traceId, f.spanId);
        const mine: Score = {
          id, projectId: before.trace.projectId, traceId: f.traceId, spanId: f.spanId, name: FEEDBACK_NAME, value: f.value,
          comment: f.comment.trim() || null, source: 'user', createdAt: new Date().toISOString(),
        };
        qc.setQueryData<TraceDetail>(key, { ...before, scores: [mine, ...before.scores.filter((s) => s.id !== id)] });
      }
      return { before };
    },
    onError: (_e, _f, ctx) => {
      if (ctx?.before) qc.setQueryData(key, ctx.before);
    },
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: key });
      // The list rows carry scores too (include=scores).
      void qc.invalidateQueries({ queryKey: ['traces'] });
    },
  });
}
