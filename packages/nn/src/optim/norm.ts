// Global gradient norm and clipping on the GPU: nothing here reads back, so a training step never
// waits on the device for it. (AdamW's `maxGradNorm` fuses the clip into its update instead.)
import { add, globalNorm, keep, minimum, mul, noGrad, reciprocal, type Tensor, tidy } from '@jepa/tensor';

/** The global L2 norm of the parameters' gradients (missing gradients count 0), as a [1] tensor. */
export function gradNorm(params: readonly Tensor[]): Tensor {
  return globalNorm(params.flatMap((p) => (p.grad ? [p.grad] : [])));
}

/**
 * Scale all gradients by min(1, maxNorm / (norm + 1e-6)) (torch.nn.utils.clip_grad_norm_);
 * returns the norm before clipping as a [1] tensor, for logging.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): Tensor {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const norm = gradNorm(params);
  tidy(() =>
    noGrad(() => {
      const factor = minimum(mul(reciprocal(add(norm, 1e-6)), maxNorm), 1);
      for (const p of params) {
        if (!p.grad) continue;
        const g = keep(mul(p.grad, factor));
        p.grad.dispose();
        p.grad = g;
      }
    }),
  );
  return norm;
}
