// What one trace (and one score) contributes to its session and user rollups: the rows both
// backends remember in trace_contrib / score_contrib, so a write can apply old → new as deltas.

export interface Contribution {
  project_id: number;
  session_id: string | null;
  user_id: string | null;
  start_time: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number | null;
  is_error: number;
}

export interface ScoreContribution {
  user_id: string;
  name: string;
  label: string;
  num_value: number | null;
}

/** The trace_contrib columns, in the order both backends read and write them. */
export const CONTRIBUTION_FIELDS = ['session_id', 'user_id', 'start_time', 'input_tokens', 'output_tokens', 'total_tokens', 'cost_usd', 'is_error'] as const;
