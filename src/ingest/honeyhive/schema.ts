// The HoneyHive bodies (seed 003; the legacy routes and the v1 batch): one zod schema per
// endpoint, built from one event and one session schema. Unknown fields are ignored.
import { z } from 'zod';
import { microsFromIso } from '../../model/time.js';

const Id = z.string().min(1).max(800).regex(/^[^\r\n]*$/, 'ids must not contain line breaks');
const Obj = z.record(z.string(), z.unknown());

/** Unix milliseconds (HoneyHive's unit); numeric text and ISO text are accepted too. */
export const HoneyHiveTime = z.union([
  z.number().nonnegative(),
  z.string().min(1).refine((s) => /^\d+(\.\d+)?$/.test(s) || microsFromIso(s) !== undefined, 'not Unix milliseconds or an ISO 8601 time'),
]);

const Shared = {
  /** Ignored: the API key names the project. */
  project: z.string().optional(),
  source: z.string().max(200).optional(),
  children_ids: z.array(Id).optional(),
  config: Obj.optional(),
  inputs: z.unknown().optional(),
  outputs: z.unknown().optional(),
  error: z.string().nullable().optional(),
  start_time: HoneyHiveTime.optional(),
  end_time: HoneyHiveTime.optional(),
  duration: z.number().nonnegative().optional(),
  metadata: Obj.optional(),
  feedback: Obj.optional(),
  metrics: Obj.optional(),
  user_properties: Obj.optional(),
};

export const HoneyHiveEvent = z.object({
  event_type: z.enum(['model', 'tool', 'chain', 'session']),
  event_name: z.string().max(2000).optional(),
  event_id: Id.optional(),
  session_id: Id.optional(),
  parent_id: Id.nullable().optional(),
  ...Shared,
});

export const HoneyHiveSession = z.object({
  session_name: z.string().max(2000).optional(),
  event_name: z.string().max(2000).optional(),
  session_id: Id.optional(),
  ...Shared,
});

export const HoneyHiveBatchBody = z.object({
  events: z.array(HoneyHiveEvent),
  /** Legacy name (POST /events/batch); `single_session` is the v1 name. Both are read on both routes. */
  is_single_session: z.boolean().optional(),
  single_session: z.boolean().optional(),
  session_properties: HoneyHiveSession.optional(),
});

/** POST /session/start wraps the session in `session`; a bare session object is accepted too. */
export const HoneyHiveSessionStartBody = z.union([z.object({ session: HoneyHiveSession }), HoneyHiveSession]);
/** POST /events wraps the event in `event`; a bare event object is accepted too. */
export const HoneyHiveEventBody = z.union([z.object({ event: HoneyHiveEvent }), HoneyHiveEvent]);

export const HoneyHiveBatchResponse = z.object({ event_ids: z.array(z.string()), session_id: z.string(), success: z.boolean() });
export const HoneyHiveEventResponse = z.object({ event_id: z.string(), success: z.boolean() });
export const HoneyHiveSessionResponse = z.object({ session_id: z.string() });

export type HoneyHiveEvent = z.infer<typeof HoneyHiveEvent>;
export type HoneyHiveSession = z.infer<typeof HoneyHiveSession>;
