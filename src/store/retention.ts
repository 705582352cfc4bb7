// Per-project retention (docs/retention.md): the setting, `retention` in projects.settings, in
// days or null for "keep forever" (purge.ts enforces it).
import { z } from 'zod';

/** The most days a retention may be: 100 years (anything longer is "keep forever": null). */
export const MAX_RETENTION_DAYS = 36_500;

export const RetentionSettings = z.object({
  days: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable().default(null)
    .describe('Traces that started more than this many days ago are deleted by the background purge; null keeps everything (the default)'),
});
export type RetentionSettings = z.infer<typeof RetentionSettings>;

/** A PUT body: the whole setting (it has one field). */
export const RetentionPatch = z.strictObject({
  days: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable(),
});

/** The key of the setting inside `projects.settings`. */
export const RETENTION_SETTINGS_KEY = 'retention';

/** The setting stored in a project's settings, default filled in; an unreadable one keeps everything. */
export function retentionFrom(settings: Record<string, unknown> | null | undefined): RetentionSettings {
  const parsed = RetentionSettings.safeParse(settings?.[RETENTION_SETTINGS_KEY] ?? {});
  return parsed.success ? parsed.data : { days: null };
}
