// Spearman rank correlation (Pearson correlation of average ranks, as scipy.stats.spearmanr).
// Returns the raw coefficient in [-1, 1]; report it ×100 at the call site (evaluateStsb does).

/** 1-based ranks; tied values all get the average of the ranks they span. */
export function averageRanks(x: readonly number[]): number[] {
  const order = x.map((_, i) => i).sort((i, j) => x[i]! - x[j]!);
  const ranks = new Array<number>(x.length);
  for (let s = 0; s < order.length; ) {
    let e = s + 1;
    while (e < order.length && x[order[e]!] === x[order[s]!]) e++;
    const avg = (s + 1 + e) / 2; // mean of ranks s+1..e
    for (let t = s; t < e; t++) ranks[order[t]!] = avg;
    s = e;
  }
  return ranks;
}

/** Pearson correlation; NaN when either input is constant (correlation undefined). */
export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`pearson: lengths differ (${x.length} vs ${y.length})`);
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rho in [-1, 1] (NaN for constant input). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`spearman: lengths differ (${x.length} vs ${y.length})`);
  if (x.some(Number.isNaN) || y.some(Number.isNaN)) throw new Error('spearman: NaN input');
  return pearson(averageRanks(x), averageRanks(y));
}
