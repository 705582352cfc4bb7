// How a zod validation failure is told to the caller: every issue as `path: message`, joined.
import type { z } from 'zod';

/** `root` names the whole value when an issue has an empty path (`(body)`, `(event)`, …). */
export function issueText(issues: readonly z.core.$ZodIssue[], root = '(body)'): string {
  return issues.map((i) => `${i.path.join('.') || root}: ${i.message}`).join('; ');
}
