// VICReg loss on two batches of expander outputs, in the two formulas we compare:
//  - official (Bardes et al.): λ·MSE + μ·(std(za)+std(zb))/2 + ν·(cov(za)+cov(zb))
//  - seed (what the seed's code computes in effect): λ·MSE² + μ·(std(za)+std(zb)) + ν·(cov(za)+cov(zb))
// with std(z) = mean_j relu(γ − sqrt(var_j + ε)) (unbiased var) and cov(z) = Σ_{i≠j} C_ij² / D.
// The per-batch statistics come from the fused vicregStats kernel.
import { mean, square, sub, vicregStats, type Tensor } from '@jepa/tensor';

export type VicregFormula = 'official' | 'seed';

export interface VicregOptions {
  formula?: VicregFormula;
  lambda?: number;
  mu?: number;
  nu?: number;
  gamma?: number;
  eps?: number;
}

export interface VicregTerms {
  loss: Tensor;
  /** Each term before its coefficient, as the formula defines it. */
  invariance: Tensor;
  variance: Tensor;
  covariance: Tensor;
}

export const VICREG_DEFAULTS = { formula: 'official', lambda: 25, mu: 25, nu: 1, gamma: 1, eps: 1e-4 } as const;

export function vicregLoss(za: Tensor, zb: Tensor, opts: VicregOptions = {}): VicregTerms {
  const o = { ...VICREG_DEFAULTS, ...opts };
  if (za.rank !== 2 || zb.rank !== 2 || za.shape[0] !== zb.shape[0] || za.shape[1] !== zb.shape[1]) {
    throw new Error(`vicregLoss: expected two [N, D] batches of the same shape, got [${za.shape}] and [${zb.shape}]`);
  }
  const [N, D] = za.shape;
  if (N < 2) throw new Error(`vicregLoss: needs a batch of at least 2 (variance is unbiased), got N = ${N}`);
  const mse = mean(square(sub(za, zb)));
  const a = vicregStats(za, { gamma: o.gamma, eps: o.eps });
  const b = vicregStats(zb, { gamma: o.gamma, eps: o.eps });
  const invariance = o.formula === 'seed' ? square(mse) : mse;
  const stdSum = a.std.add(b.std);
  const variance = o.formula === 'seed' ? stdSum : stdSum.mul(0.5);
  const covariance = a.cov.add(b.cov).mul(1 / D);
  const loss = invariance.mul(o.lambda).add(variance.mul(o.mu)).add(covariance.mul(o.nu));
  return { loss, invariance, variance, covariance };
}
