// "Did you mean": the known name nearest to a misspelt one, for query parameters and filter
// fields. Close means an edit distance of at most a third of the word (at least 1, at most 3),
// ignoring case, so `frm` finds `from` and `userid` finds `userId`, and nothing is suggested for
// a word that merely shares a letter or two.

/** Edit distance counting a swap of two neighbours as one edit (`modle` → `model`). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The nearest of `known` to `word`, or undefined when none is close. */
export function nearest(word: string, known: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(w.length / 3)));
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(w, k.toLowerCase());
    if (d <= limit && d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** ` Did you mean "x"?`, or nothing. */
export function didYouMean(word: string, known: Iterable<string>): string {
  const n = nearest(word, known);
  return n === undefined ? '' : ` Did you mean "${n}"?`;
}
