// "Did you mean": the known name nearest to a mistyped one, for errors about names and words.

/** The candidate nearest to `word` (case, '-' and '_' aside; edit distance ≤ 2, or ≤ 1/3 of its length), or null. */
export function closest(word: string, candidates: readonly string[]): string | null {
  const norm = (w: string) => w.toLowerCase().replace(/[-_]/g, '');
  const w = norm(word);
  let best: string | null = null;
  let bestD = Math.max(2, Math.floor(w.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(w, norm(c));
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
