// float64 reference for the AdamW tests (kernel, tensor op, nn optimizer): one torch.optim.AdamW
// step on one parameter, in place. Callers scale and clip the gradient first.
export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** p, m, v updated in place from gradient g; `step` is the parameter's 1-based update count. */
export function adamwRef(
  p: Float64Array,
  m: Float64Array,
  v: Float64Array,
  g: ArrayLike<number>,
  h: AdamWHyper,
  step: number,
): void {
  const bc1 = 1 - h.beta1 ** step,
    bc2 = 1 - h.beta2 ** step;
  for (let i = 0; i < p.length; i++) {
    p[i] *= 1 - h.lr * h.weightDecay;
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * g[i];
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * g[i] * g[i];
    p[i] -= (h.lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + h.eps));
  }
}

/** torch's clip_grad_norm_ factor for a global norm. */
export const clipFactor = (norm: number, maxNorm: number | undefined): number =>
  maxNorm === undefined ? 1 : Math.min(1, maxNorm / (norm + 1e-6));
