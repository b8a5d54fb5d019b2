// MultipleNegativesRankingLoss, symmetric (sentence-transformers' MultipleNegativesSymmetricRankingLoss):
// for pairs (a_i, b_i), S = scale · cos(a_i, b_j); the loss is the mean of cross-entropy over the
// rows of S (a_i picks its b among the batch's) and over its columns (b_j picks its a), targets on
// the diagonal. The other pairs of the batch are the negatives.
import { arange, crossEntropy, ge, matmul, max, mean, noGrad, oneHot, sum, transpose, type Tensor } from '@jepa/tensor';
import { l2normalize } from '../objectives/simcse.ts';

export interface MnrlTerms {
  loss: Tensor;
  /** Share of a_i whose nearest b is b_i and b_i whose nearest a is a_i (ties count as right); no gradient. */
  accuracy: Tensor;
}

export function mnrlLoss(a: Tensor, b: Tensor, scale: number): MnrlTerms {
  if (a.rank !== 2 || b.rank !== 2 || a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new Error(`mnrlLoss: expected two [B, D] batches of the same shape, got [${a.shape}] and [${b.shape}]`);
  }
  const B = a.shape[0];
  if (B < 2) throw new Error(`mnrlLoss: needs at least 2 pairs (the others are the negatives), got ${B}`);
  const s = matmul(l2normalize(a), transpose(l2normalize(b))).mul(scale);
  const st = transpose(s);
  const diag = arange(0, B, 1, 'i32');
  const loss = crossEntropy(s, diag).add(crossEntropy(st, diag)).mul(0.5);
  const accuracy = noGrad(() => {
    const d = sum(s.mul(oneHot(diag, B)), -1, true); // S_ii, as a column
    return mean(ge(d, max(s, -1, true)).add(ge(transpose(d), max(s, 0, true)))).mul(0.5);
  });
  return { loss, accuracy };
}
