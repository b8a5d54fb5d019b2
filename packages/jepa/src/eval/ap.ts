// Average precision with scikit-learn `average_precision_score` semantics, so our MAP is
// comparable with MTEB / sentence-transformers numbers: candidates are sorted by score
// descending, tied scores form one group (one threshold), and
//   AP = sum_k (R_k - R_{k-1}) * P_k
// over distinct thresholds k, with P_k, R_k the precision / recall after the whole group.

export type Label = 0 | 1;

function checkInputs(scores: readonly number[], labels: readonly Label[], fn: string): void {
  if (scores.length !== labels.length) {
    throw new Error(`${fn}: ${scores.length} scores but ${labels.length} labels`);
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`${fn}: score ${i} is NaN`);
    if (labels[i] !== 0 && labels[i] !== 1) throw new Error(`${fn}: label ${i} is ${labels[i]}, not 0/1`);
  }
}

/** Indices sorted by score descending; equal scores keep input order (only MRR cares). */
function orderDesc(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((i, j) => scores[j]! - scores[i]! || i - j);
}

/** AP in [0, 1]. With no positive label it returns 0, as scikit-learn does (after a warning). */
export function averagePrecision(scores: readonly number[], labels: readonly Label[]): number {
  checkInputs(scores, labels, 'averagePrecision');
  const totalPos = labels.reduce<number>((s, l) => s + l, 0);
  if (totalPos === 0) return 0;
  const order = orderDesc(scores);
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    tp += labels[i]!;
    seen++;
    const last = k + 1 === order.length || scores[order[k + 1]!] !== scores[i];
    if (!last) continue; // close the tie group before taking a threshold
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

/**
 * Reciprocal rank of the first positive within the top `k` (0 if none), with PESSIMISTIC ties:
 * a negative that ties the best positive's score is ranked above it. This keeps degenerate
 * scorers (e.g. all-equal scores) from getting credit for the order the candidates were listed in.
 */
export function reciprocalRank(scores: readonly number[], labels: readonly Label[], k = 10): number {
  checkInputs(scores, labels, 'reciprocalRank');
  let best = -Infinity;
  let anyPos = false;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] === 1 && (!anyPos || scores[i]! > best)) {
      best = scores[i]!;
      anyPos = true;
    }
  }
  if (!anyPos) return 0;
  let rank = 1;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] === 0 && scores[i]! >= best) rank++;
  }
  return rank <= k ? 1 / rank : 0;
}
