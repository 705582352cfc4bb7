// A cheap estimate of an event's JSON size, for the byte bounds of the buffer and of batches.
// JSON.stringify on the app's call path would cost more than the rest of a span; this walk visits
// at most BUDGET values and extrapolates, so a huge prompt costs the same as a small one.

const BUDGET = 64;

export function estimateBytes(v: unknown): number {
  if (v === undefined || v === null) return 4;
  const t = typeof v;
  if (t === 'string') return (v as string).length + 2;
  if (t === 'number' || t === 'boolean') return 8;
  let budget = BUDGET;
  let bytes = 0;
  let seen = 0;
  let skipped = 0;
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (budget-- <= 0) {
      skipped += stack.length + 1;
      break;
    }
    seen++;
    if (typeof x === 'string') bytes += x.length + 3;
    else if (x === null || typeof x !== 'object') bytes += 8;
    else if (Array.isArray(x)) {
      bytes += 2;
      for (let i = 0; i < x.length; i++) stack.push(x[i]);
    } else {
      bytes += 2;
      for (const k in x) {
        bytes += k.length + 4;
        stack.push((x as Record<string, unknown>)[k]);
      }
    }
  }
  // Unvisited values are taken to be as big as the average visited one.
  return skipped ? bytes + Math.ceil((bytes / seen) * skipped) : bytes;
}
