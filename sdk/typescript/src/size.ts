// A cheap estimate of an event's JSON size, for the byte bounds of the buffer and of batches.
// JSON.stringify on the app's call path would cost more than the rest of a span; this walk visits
// at most BUDGET entries (never iterating further into an array or object), so a huge prompt costs
// the same as a small one. It leans high: every string reached is counted at its full length,
// typed arrays and buffers by their byte length, and what the budget left unvisited is counted at
// the largest of the average entry seen and a floor, never as nothing. The sender measures the
// real serialised size before sending; this only has to keep the buffer's memory bounded.

const BUDGET = 256;
/** What an entry left unvisited is taken to weigh at least. */
const FLOOR = 16;

export function estimateBytes(v: unknown): number {
  return walk(v, { budget: BUDGET });
}

/** Depth first; a container's entries past the budget count as its visited ones did on average. */
function walk(x: unknown, st: { budget: number }): number {
  if (typeof x === 'string') return x.length + 3;
  if (x === undefined || x === null) return 4;
  if (typeof x !== 'object') return 12;
  // A Uint8Array serialises as {"0":255,…}: several bytes an element.
  if (ArrayBuffer.isView(x)) return 2 + x.byteLength * 8;
  if (x instanceof ArrayBuffer) return 2 + x.byteLength;
  let sum = 0;
  let k = 0;
  let total: number;
  if (Array.isArray(x)) {
    total = x.length;
    for (; k < total && st.budget > 0; k++) {
      st.budget--;
      sum += walk(x[k], st) + 1;
    }
  } else {
    let more = false;
    for (const key in x) {
      if (st.budget <= 0) {
        more = true;
        break;
      }
      st.budget--;
      sum += key.length + 4 + walk((x as Record<string, unknown>)[key], st);
      k++;
    }
    // Only an object wider than the budget has its keys counted (natively).
    total = more ? Object.keys(x).length : k;
  }
  const rest = Math.max(0, total - k);
  return 2 + sum + (rest ? rest * Math.max(FLOOR, k ? Math.ceil(sum / k) : FLOOR) : 0);
}
